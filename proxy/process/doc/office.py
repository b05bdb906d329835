"""Office files to PDF with LibreOffice, run headless as a managed subprocess on temporary files.

- Each worker process has its own LibreOffice profile (two instances sharing one would hand the
  second job to the first over LibreOffice's pipe); it is created on first use and removed at exit.
- The import filter is chosen from the type and the file's container (OOXML, OLE, ODF, RTF), never
  guessed by LibreOffice, so garbage named .docx fails instead of being imported as text, and a
  .doc that really is a docx or RTF still converts.
- A document never reaches the host's files: `external` defuses the fields and links that pull content
  in before LibreOffice sees the bytes, and `sandbox` runs LibreOffice in bubblewrap with only its
  install, fonts and the conversion's folders in view, and no network (`limits.doc_sandbox`).
- A conversion runs in its own process group and session: on timeout the whole group is killed.
  `prlimit` caps its address space and CPU time (so even an orphan dies). Without the sandbox,
  `unshare` puts it in an empty network namespace where the kernel allows that. The profile also blocks
  linked content, link updates, macros and update checks and points LibreOffice at a proxy that does
  not exist, in case it cannot.
- At most `limits.doc_max_conversions` conversions run at once on the host: one `flock`ed slot file
  each, shared by every worker process. The pool size alone would not do: it is sized for image work
  (one per core), and each LibreOffice needs hundreds of MB.
"""

from __future__ import annotations

import atexit
import fcntl
import io
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path

from proxy.errors import OssError, bad_request, invalid_argument, not_implemented
from proxy.grammar.doc_source import FAMILIES
from proxy.limits import Limits
from proxy.process.doc import external, sandbox

log = logging.getLogger("osprey.doc")

SOFFICE = "soffice"
# One lock file per conversion slot, shared by every Osprey process of this user on the host.
SLOTS = Path(tempfile.gettempdir()) / f"osprey-doc-slots-{os.getuid()}"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SLOT_POLL_S = 0.05
_CPU_GRACE_S = 5
# Text always goes through the text filters, whatever its bytes: UTF-8, and for CSV comma, double quote.
TEXT_FILTERS = {"txt": "Text (encoded):UTF8", "csv": "Text - txt - csv (StarCalc):44,34,76,1"}
FILTERS = {
    ("writer", "ooxml"): "MS Word 2007 XML",
    ("writer", "ole"): "MS Word 97",
    ("writer", "odf"): "writer8",
    ("writer", "rtf"): "Rich Text Format",
    ("calc", "ooxml"): "Calc MS Excel 2007 XML",
    ("calc", "ole"): "MS Excel 97",
    ("calc", "odf"): "calc8",
    ("impress", "ooxml"): "Impress MS PowerPoint 2007 XML",
    ("impress", "ole"): "MS PowerPoint 97",
    ("impress", "odf"): "impress8",
}


def _setting(path: str, name: str, kind: str, value: str) -> str:
    return (f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse">'
            f'<value xsi:type="xs:{kind}">{value}</value></prop></item>')


_SCRIPTING = "/org.openoffice.Office.Common/Security/Scripting"
_INET = "/org.openoffice.Inet/Settings"
PROFILE_SETTINGS = "\n".join([
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    _setting(_SCRIPTING, "BlockUntrustedRefererLinks", "boolean", "true"),
    _setting(_SCRIPTING, "DisableMacrosExecution", "boolean", "true"),
    _setting(_SCRIPTING, "MacroSecurityLevel", "int", "3"),
    # Never update links on load (Writer counts 0 as never, Calc 1).
    _setting("/org.openoffice.Office.Writer/Content/Update", "Link", "int", "0"),
    _setting("/org.openoffice.Office.Calc/Content/Update", "Link", "int", "1"),
    _setting("/org.openoffice.Office.Jobs/Jobs/org.openoffice.Office.Jobs:Job['UpdateCheck']/Arguments",
             "AutoCheckEnabled", "boolean", "false"),
    # A manual proxy on the discard port: any HTTP(S) fetch that slips through fails at once.
    _setting(_INET, "ooInetProxyType", "int", "2"),
    _setting(_INET, "ooInetHTTPProxyName", "string", "127.0.0.1"),
    _setting(_INET, "ooInetHTTPProxyPort", "int", "9"),
    _setting(_INET, "ooInetHTTPSProxyName", "string", "127.0.0.1"),
    _setting(_INET, "ooInetHTTPSProxyPort", "int", "9"),
    _setting(_INET, "ooInetNoProxy", "string", ""),
    "</oor:items>",
    "",
])


def convert_to_pdf(data: bytes, source_type: str, limits: Limits) -> bytes:
    """`data` (a `source_type` office file) as PDF bytes; 400 when unreadable or too slow, 503 when busy."""
    import_filter = choose_filter(data, source_type, limits)
    soffice = shutil.which(SOFFICE)
    if soffice is None:
        raise not_implemented(
            "Office documents need LibreOffice (soffice), which this server does not have; PDF sources work."
        )
    if limits.doc_sandbox == "bwrap" and (problem := sandbox.unavailable()) is not None:
        raise not_implemented(f"Office documents cannot be converted safely on this server: {problem}.")
    if import_filter not in TEXT_FILTERS.values():
        data = external.neutralise(data)
    with tempfile.TemporaryDirectory(prefix="osprey-doc-") as work, _conversion_slot(limits):
        source = Path(work) / f"source.{source_type}"
        source.write_bytes(data)
        profile = _profile(os.getpid())
        command = [
            *_bounds(limits, soffice, [Path(work), profile]), soffice, f"-env:UserInstallation={profile.as_uri()}",
            "--headless", "--invisible", "--norestore", "--nolockcheck", "--nologo", "--nodefault",
            f"--infilter={import_filter}", "--convert-to", "pdf", "--outdir", work, str(source),
        ]
        returncode, output = _run(command, work, limits.doc_timeout_s)
        result = Path(work) / "source.pdf"
        if not result.is_file() or result.stat().st_size == 0:
            log.info("LibreOffice could not convert a %s (exit %s): %s", source_type, returncode, output[-500:])
            raise bad_request(
                f"The document could not be read as {source_type} (corrupt, password-protected, or larger "
                "than LibreOffice may use under limits.doc_max_memory_bytes)."
            )
        return result.read_bytes()


def choose_filter(data: bytes, source_type: str, limits: Limits) -> str:
    """LibreOffice's import filter for these bytes read as `source_type`, or a 400 naming the mismatch."""
    if source_type in TEXT_FILTERS:
        return TEXT_FILTERS[source_type]
    family = FAMILIES[source_type]
    kind = container(data, limits)
    import_filter = FILTERS.get((family, kind))
    if import_filter is None:
        raise bad_request(f"The object is not a {source_type} document (its bytes look like {kind}).")
    return import_filter


def container(data: bytes, limits: Limits) -> str:
    """The file's container: ooxml, odf, ole, rtf, or a word for what it is not (zip, text, binary)."""
    if data.startswith(OLE_MAGIC):
        return "ole"
    if data.startswith(b"{\\rtf"):
        return "rtf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_container(data, limits)
    if data.startswith(b"%PDF-"):
        return "pdf"
    return "text" if _looks_like_text(data[:4096]) else "binary"


def _zip_container(data: bytes, limits: Limits) -> str:
    """OOXML or ODF by their marker members; the unpacked size is checked here, before LibreOffice."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        return "a damaged zip"
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.doc_max_unpacked_bytes:
        raise invalid_argument(
            f"The document unpacks to {unpacked} bytes; at most {limits.doc_max_unpacked_bytes} are allowed "
            "(limits.doc_max_unpacked_bytes)."
        )
    names = {member.filename for member in members}
    if "[Content_Types].xml" in names:
        return "ooxml"
    if "mimetype" in names:
        return "odf"
    return "zip"


def _looks_like_text(head: bytes) -> bool:
    return b"\x00" not in head


def _run(command: list[str], work: str, timeout_s: float) -> tuple[int, str]:
    """Run `command` in its own session; on timeout kill its whole process group and raise a 400."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": work, "TMPDIR": work,
        "LANG": "C.UTF-8", "SAL_USE_VCLPLUGIN": "svp",
    }
    process = subprocess.Popen(
        command, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        process.communicate()
        raise invalid_argument(
            f"The document could not be converted within {timeout_s:g} s (limits.doc_timeout_s)."
        ) from None
    finally:
        # LibreOffice's launcher may leave helpers behind even after a normal exit.
        _kill_group(process.pid)
    return process.returncode, output.decode("utf-8", "replace")


def _kill_group(pgid: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


@contextmanager
def _conversion_slot(limits: Limits) -> Iterator[None]:
    """Hold one of `doc_max_conversions` host-wide slots (flock on a file), waiting at most doc_timeout_s."""
    SLOTS.mkdir(mode=0o700, exist_ok=True)
    deadline = time.monotonic() + limits.doc_timeout_s
    while True:
        for index in range(limits.doc_max_conversions):
            fd = os.open(SLOTS / f"{index}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield
            finally:
                os.close(fd)  # closing the descriptor releases the lock
            return
        if time.monotonic() >= deadline:
            raise OssError(
                503, "ServiceUnavailable",
                f"{limits.doc_max_conversions} document conversions are already running "
                "(limits.doc_max_conversions); retry later.",
            )
        time.sleep(_SLOT_POLL_S)


def _bounds(limits: Limits, soffice: str, writable: list[Path]) -> list[str]:
    """The command prefix that bounds LibreOffice: rlimits via prlimit, then bubblewrap (or just no network)."""
    prefix = []
    if shutil.which("prlimit"):
        cpu = int(limits.doc_timeout_s) + _CPU_GRACE_S
        prefix += ["prlimit", f"--as={limits.doc_max_memory_bytes}", f"--cpu={cpu}", "--"]
    if limits.doc_sandbox == "bwrap":
        prefix += sandbox.command(soffice, writable)
    elif _can_unshare_network():
        prefix += ["unshare", "--net", "--map-root-user", "--"]
    return prefix


@cache
def _can_unshare_network() -> bool:
    """Whether this host lets us create a network namespace (containers often forbid it)."""
    if shutil.which("unshare") is None:
        return False
    try:
        probe = subprocess.run(
            ["unshare", "--net", "--map-root-user", "--", "true"],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=5, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    if probe.returncode != 0:
        log.warning("no network namespace for LibreOffice (unshare failed); relying on its profile settings")
    return probe.returncode == 0


@cache
def _profile(pid: int) -> Path:
    """Process `pid`'s LibreOffice profile, fresh (a dead namesake's is discarded) and removed at exit."""
    profile = Path(tempfile.gettempdir()) / f"osprey-soffice-{os.getuid()}-{pid}"
    shutil.rmtree(profile, ignore_errors=True)
    (profile / "user").mkdir(parents=True, mode=0o700)
    (profile / "user" / "registrymodifications.xcu").write_text(PROFILE_SETTINGS, encoding="utf-8")
    atexit.register(shutil.rmtree, profile, ignore_errors=True)
    return profile
