"""LibreOffice inside bubblewrap: it sees its own install, fonts and one work folder, nothing else of the host.

A document can name any path or URL (linked images, included files, external references), and LibreOffice
fetches some of them whatever its settings say; so rather than trust every import filter, the process
gets a file system that holds only /usr (read-only), the few /etc files it reads, a private /tmp, and the
conversion's folders read-write. No /home, /root, /srv, no data or cache folder, no network, and a fresh
PID namespace that dies with Osprey. `limits.doc_sandbox = "none"` turns it off (the operator's choice,
warned about at start-up); with "bwrap", a host that cannot run bubblewrap stops Osprey at start-up.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from functools import cache
from pathlib import Path

log = logging.getLogger("osprey.doc")

BWRAP = "bwrap"
# Read-only, when present: the system (libraries, fonts, LibreOffice itself) and what it reads in /etc.
READ_ONLY = (
    "/usr", "/etc/fonts", "/etc/libreoffice", "/etc/ld.so.cache", "/etc/localtime", "/var/cache/fontconfig",
)
# Top-level names that merged-/usr systems make symlinks into /usr, and older ones real folders.
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_PROBE_TIMEOUT_S = 10


def command(program: str, writable: list[Path]) -> list[str]:
    """The bwrap prefix running `program`'s install read-only with only `writable` (folders) read-write."""
    args = [BWRAP, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    for top in SYSTEM_LINKS:
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", str(path.readlink()), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    for path in READ_ONLY:
        if Path(path).exists():
            args += ["--ro-bind", path, path]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    install = _install(program)
    if install is not None and not any(install.is_relative_to(path) for path in READ_ONLY):
        args += ["--ro-bind", str(install), str(install)]  # after /tmp's tmpfs, which would hide it there
    for folder in writable:
        args += ["--bind", str(folder), str(folder)]
    return [*args, "--chdir", str(writable[0]), "--"]


def _install(program: str) -> Path | None:
    """The folder holding `program`'s whole install (LibreOffice's is the parent of its `program/`)."""
    found = shutil.which(program)
    if found is None:
        return None
    folder = Path(found).resolve().parent
    return folder.parent if folder.name == "program" else folder


def start_problem(mode: str) -> str | None:
    """At start-up: why documents cannot be converted safely under `mode`, or None; warns when it is off."""
    if mode == "none":
        log.warning("limits.doc_sandbox = 'none': LibreOffice runs with this host's file system in view")
        return None
    if shutil.which("soffice") is None:
        return None  # no LibreOffice, no office conversions to confine
    return unavailable()


@cache
def unavailable() -> str | None:
    """Why bubblewrap cannot confine LibreOffice on this host (checked once per process), or None."""
    if shutil.which(BWRAP) is None:
        return ("limits.doc_sandbox = 'bwrap' needs bubblewrap (apt-get install bubblewrap), "
                "or set limits.doc_sandbox = 'none' if the container already confines LibreOffice")
    try:
        probe = subprocess.run(
            [*command("true", [Path("/tmp")]), "true"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        reason = str(error)
    else:
        if probe.returncode == 0:
            return None
        reason = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else f"exit {probe.returncode}"
    return (f"limits.doc_sandbox = 'bwrap' but bubblewrap cannot create its namespaces here ({reason}): "
            "allow unprivileged user namespaces, or set limits.doc_sandbox = 'none' if the container "
            "already confines LibreOffice")
