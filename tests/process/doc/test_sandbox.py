"""The bubblewrap sandbox: what LibreOffice can see in it, and how a host that cannot run it is reported."""

import logging
import subprocess
import uuid
from pathlib import Path

import pytest

from proxy.config import ConfigError, parse_config
from proxy.limits import Limits
from proxy.process.doc import sandbox

from .conftest import needs_soffice

REPOSITORY = Path(__file__).resolve().parents[3]


def inside(writable: list[Path], script: str) -> subprocess.CompletedProcess[str]:
    """Run `script` with sh in the sandbox LibreOffice gets, `writable` bound read-write."""
    return subprocess.run([*sandbox.command("sh", writable), "sh", "-c", script],
                          capture_output=True, text=True, timeout=30, check=False)


@pytest.fixture
def broken_bwrap(tmp_path, monkeypatch):
    """A bwrap that fails the way it does where user namespaces are forbidden."""
    script = tmp_path / "bwrap"
    script.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
    script.chmod(0o755)
    monkeypatch.setattr(sandbox, "BWRAP", str(script))
    sandbox.unavailable.cache_clear()
    yield
    sandbox.unavailable.cache_clear()


@pytest.fixture
def no_bwrap(monkeypatch):
    monkeypatch.setattr(sandbox, "BWRAP", "osprey-no-such-bwrap")
    sandbox.unavailable.cache_clear()
    yield
    sandbox.unavailable.cache_clear()


def test_the_sandbox_holds_the_system_and_the_work_folder_only(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    host_file = tmp_path / "host.txt"
    host_file.write_text("host")
    hidden = [Path.home(), REPOSITORY, Path("/work"), Path("/root"), Path("/home"), Path("/srv"), host_file]
    checks = " ".join(f"test -e '{path}' && echo 'visible {path}';" for path in hidden)
    done = inside([work], f"{checks} echo root $(ls -A /); echo etc $(ls -A /etc); "
                          f"echo net $(sed 1,2d /proc/net/dev | cut -d: -f1); echo written > '{work}/out'; "
                          "touch /usr/osprey-x 2>/dev/null && echo 'usr writable'; pwd")
    assert done.returncode == 0, done.stderr
    assert "visible" not in done.stdout and "usr writable" not in done.stdout
    seen = {line.split()[0]: set(line.split()[1:]) for line in done.stdout.splitlines() if " " in line}
    assert seen["root"] <= {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "tmp", "usr",
                            "var"}
    assert seen["etc"] <= {"fonts", "ld.so.cache", "libreoffice", "localtime"}
    assert seen["net"] == {"lo"}  # a network namespace of its own: loopback only
    assert done.stdout.strip().endswith(str(work))
    assert (work / "out").read_text() == "written\n"


def test_the_host_can_run_the_sandbox():
    assert sandbox.unavailable() is None


@needs_soffice
def test_without_bubblewrap_start_up_names_what_to_install_or_set(no_bwrap):
    problem = sandbox.start_problem("bwrap")
    assert "apt-get install bubblewrap" in problem and "limits.doc_sandbox = 'none'" in problem


@needs_soffice
def test_a_bubblewrap_that_cannot_create_namespaces_is_reported_with_its_reason(broken_bwrap):
    problem = sandbox.start_problem("bwrap")
    assert "cannot create its namespaces" in problem and "uid map: Permission denied" in problem
    assert "limits.doc_sandbox = 'none'" in problem and "\n" not in problem


def test_no_sandbox_is_allowed_but_warned_about_at_start_up(no_bwrap, caplog):
    with caplog.at_level(logging.WARNING, logger="osprey.doc"):
        assert sandbox.start_problem("none") is None
    assert "limits.doc_sandbox = 'none'" in caplog.text


@needs_soffice
def test_a_conversion_where_the_sandbox_cannot_run_is_refused(broken_bwrap, fails):
    err = fails("doc/convert,target_txt", f"unique {uuid.uuid4()}".encode(), "notes.txt")
    assert (err.status, err.code) == (400, "NotImplemented")
    assert "limits.doc_sandbox" in err.message


def test_the_sandbox_is_on_by_default_and_takes_only_known_modes():
    assert Limits().doc_sandbox == "bwrap"
    assert parse_config({"limits": {"doc_sandbox": "none"}}, environ={}).limits.doc_sandbox == "none"
    with pytest.raises(ConfigError) as info:
        parse_config({}, environ={"OSPREY_LIMITS_DOC_SANDBOX": "docker"})
    assert "limits.doc_sandbox = 'docker' is not allowed; expected one of 'bwrap', 'none'" in str(info.value)
