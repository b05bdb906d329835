"""Converted PDFs shared by the worker processes of one pool, so LibreOffice runs once per document
content whichever worker a request lands on (each worker's in-memory LRU sits in front of this).

The pool makes a private folder (`tempfile.mkdtemp`, mode 0700) when it starts, hands it to each worker
(`use`) and removes it when it closes, so nothing outlives a server run: a restart after fonts or
LibreOffice changed converts afresh. One file per (SHA-256 of the source, type), written atomically; past
`BUDGET` bytes the least recently used files are deleted. Nothing here is needed for correctness: outside a
pool, or when the folder fails, conversion works without it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path

from proxy.limits import MB

BUDGET = 256 * MB
log = logging.getLogger("osprey.doc")
_folder: Path | None = None


def use(folder: Path | None) -> None:
    """Share converted PDFs through `folder` from now on in this process (None: do not share)."""
    global _folder
    _folder = folder


def load(name: str) -> bytes | None:
    """The PDF stored as `name`, marked as just used; None when there is none (or no folder)."""
    if _folder is None:
        return None
    path = _folder / name
    try:
        data = path.read_bytes()
        os.utime(path)
    except OSError:
        return None
    return data


def store(name: str, data: bytes, budget: int = BUDGET) -> None:
    """Keep `data` as `name` (atomically), then trim the folder to `budget` bytes, oldest use first."""
    if _folder is None:
        return
    try:
        fd, temporary = tempfile.mkstemp(dir=_folder, suffix=".part")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, _folder / name)
        _trim(_folder, budget)
    except OSError as error:
        log.warning("could not share a converted PDF with the other workers: %s", error)


def _trim(folder: Path, budget: int) -> None:
    entries = []  # PDFs, and the pieces a worker that died while writing left behind
    for entry in os.scandir(folder):
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue  # deleted by another worker meanwhile
        entries.append((info.st_mtime_ns, info.st_size, entry.path))
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= budget:
            break
        with contextlib.suppress(OSError):  # another worker trimmed it first
            os.unlink(path)
        total -= size
