"""LibreOffice as a managed subprocess: filters by container, bounds, timeouts, no leftovers, the PDF cache."""

import fcntl
import io
import os
import shutil
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from proxy.errors import OssError
from proxy.limits import Limits
from proxy.process.doc import office

from .conftest import needs_soffice


def unique_text() -> bytes:
    """A text document no other test converts, so the PDF cache cannot answer for it."""
    return f"unique {uuid.uuid4()}\n".encode()


def fake_soffice(tmp_path: Path, body: str) -> str:
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return str(script)


def no_process_runs(command_line: str) -> bool:
    """No live process has `command_line` (NUL-separated), within a second (SIGKILL is asynchronous)."""
    deadline = time.monotonic() + 1.0
    while True:
        running = []
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if proc.joinpath("cmdline").read_text().startswith(command_line) and not is_zombie(proc):
                    running.append(proc.name)
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
        if not running:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def is_zombie(proc: Path) -> bool:
    return proc.joinpath("stat").read_text().split(") ")[1].startswith("Z")


def zipped(names: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(("data", "kind"), [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "ole"),
    (b"{\\rtf1 hello}", "rtf"),
    (b"%PDF-1.7", "pdf"),
    (b"just words", "text"),
    (b"\x00\x01\x02", "binary"),
])
def test_container_is_read_from_the_leading_bytes(data, kind):
    assert office.container(data, Limits()) == kind


def test_container_tells_ooxml_from_odf_by_their_members():
    assert office.container(zipped({"[Content_Types].xml": b"<x/>"}), Limits()) == "ooxml"
    assert office.container(zipped({"mimetype": b"application/vnd.oasis"}), Limits()) == "odf"
    assert office.container(zipped({"other": b""}), Limits()) == "zip"


def test_a_doc_that_is_really_a_docx_gets_the_docx_filter():
    docx_bytes = zipped({"[Content_Types].xml": b"<x/>"})
    assert office.choose_filter(docx_bytes, "doc", Limits()) == "MS Word 2007 XML"
    assert office.choose_filter(b"{\\rtf1}", "doc", Limits()) == "Rich Text Format"


def test_garbage_named_docx_is_refused_before_libreoffice_runs(fails, monkeypatch):
    monkeypatch.setattr(office, "SOFFICE", "osprey-no-such-soffice")
    err = fails("doc/snapshot", b"hello, I am text", "letter.docx")
    assert (err.status, err.code) == (400, "BadRequest")
    assert "not a docx document" in err.message and "text" in err.message


def test_a_zip_bomb_is_refused_from_its_directory():
    bomb = zipped({"[Content_Types].xml": b"<x/>", "word/document.xml": b"\0" * 2_000_000})
    with pytest.raises(OssError) as info:
        office.choose_filter(bomb, "docx", Limits(doc_max_unpacked_bytes=1_000_000))
    assert info.value.status == 400
    assert "limits.doc_max_unpacked_bytes" in info.value.message


def test_without_libreoffice_office_files_answer_not_implemented(fails, monkeypatch):
    monkeypatch.setattr(office, "SOFFICE", "osprey-no-such-soffice")
    err = fails("doc/snapshot", unique_text(), "notes.txt")
    assert (err.status, err.code) == (400, "NotImplemented")


@pytest.mark.parametrize("sandbox", ["bwrap", "none"])
def test_a_conversion_past_the_timeout_is_killed_with_its_children(fails, monkeypatch, tmp_path, sandbox):
    # A duration no other process sleeps names the child on the host, whatever PID namespace it is in.
    tag = f"{60 + uuid.uuid4().int % 10**6 / 10**7:.7f}"
    script = fake_soffice(tmp_path, f"sleep {tag} &\nwait\n")
    monkeypatch.setattr(office, "SOFFICE", script)
    started = time.monotonic()
    err = fails("doc/snapshot", unique_text(), "notes.txt", Limits(doc_timeout_s=1.0, doc_sandbox=sandbox))
    assert time.monotonic() - started < 10  # a surviving child would hold the output pipe for a minute
    assert (err.status, err.code) == (400, "InvalidArgument")
    assert "limits.doc_timeout_s" in err.message
    assert no_process_runs(f"sleep\0{tag}")


def test_a_conversion_that_writes_nothing_is_a_clear_400(fails, monkeypatch, tmp_path):
    monkeypatch.setattr(office, "SOFFICE", fake_soffice(tmp_path, "echo 'Error: source file could not be loaded'\n"))
    err = fails("doc/convert,target_txt", unique_text(), "notes.txt")
    assert (err.status, err.code) == (400, "BadRequest")
    assert "could not be read as txt" in err.message


def test_all_slots_busy_answers_503(fails, monkeypatch, tmp_path):
    monkeypatch.setattr(office, "SOFFICE", fake_soffice(tmp_path, "exit 0\n"))
    office.SLOTS.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(office.SLOTS / "0.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        err = fails("doc/snapshot", unique_text(), "notes.txt", Limits(doc_max_conversions=1, doc_timeout_s=0.3))
    finally:
        os.close(fd)
    assert (err.status, err.code) == (503, "ServiceUnavailable")
    assert "limits.doc_max_conversions" in err.message


@needs_soffice
def test_a_second_request_for_the_same_document_does_not_convert_again(run, monkeypatch):
    calls = []
    real_run = office._run
    monkeypatch.setattr(office, "_run", lambda *args: calls.append(args) or real_run(*args))
    source = unique_text()
    run("doc/snapshot,page_1", source, "notes.txt")
    text = run("doc/convert,target_txt", source, "notes.txt").body.decode()
    assert text.startswith("unique ")
    assert len(calls) == 1


@needs_soffice
def test_a_corrupt_docx_is_a_clear_400(fails):
    broken = zipped({"[Content_Types].xml": b"not xml at all", "word/document.xml": b"<<<"})
    err = fails("doc/snapshot", broken, "letter.docx")
    assert (err.status, err.code) == (400, "BadRequest")
    assert "could not be read as docx" in err.message


@needs_soffice
def test_every_import_filter_is_one_libreoffice_has():
    registry = Path(shutil.which("soffice")).resolve().parent.parent / "share" / "registry"
    declared = "".join(path.read_text(errors="replace") for path in registry.glob("*.xcd"))
    for name in [*office.FILTERS.values(), *office.TEXT_FILTERS.values()]:
        assert f'<node oor:name="{name.split(":")[0]}" oor:op="replace">' in declared, name


# docx, xlsx, pptx and txt are converted by other tests; these add OLE, ODF and CSV.
@needs_soffice
@pytest.mark.parametrize(("ext", "expected"), [
    ("doc", "Page two beta"), ("odp", "Slide two beta"), ("csv", "alpha"),
])
def test_office_types_convert(run, office_files, ext, expected):
    assert expected in run("doc/convert,target_txt", office_files[ext], f"sample.{ext}").body.decode()
