"""deploy/Dockerfile, parsed with BuildKit's own parser; its shell steps and health check run here for real.

No image is built (no Docker engine on this machine): the package step runs against stubbed apt-get, and
the HEALTHCHECK command runs against Osprey started the way the image's ENTRYPOINT and CMD start it.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import dockerfile
import pytest
from deploy_support import DOCKERFILE, NON_ROOT_UID, REPO

FONTS = {"fonts-wqy-zenhei", "fonts-wqy-microhei", "fonts-noto-cjk"}
LIBREOFFICE = {"libreoffice-writer-nogui", "libreoffice-calc-nogui", "libreoffice-impress-nogui"}
COMMANDS = dockerfile.parse_file(str(DOCKERFILE))


def stages() -> list[list[dockerfile.Command]]:
    found: list[list[dockerfile.Command]] = []
    for command in COMMANDS:
        if command.cmd == "FROM":
            found.append([])
        if found:
            found[-1].append(command)
    return found


FINAL = stages()[-1]


def final(cmd: str) -> list[dockerfile.Command]:
    return [c for c in FINAL if c.cmd == cmd]


def package_step() -> str:
    """The shell text of the RUN that installs Debian packages."""
    (step,) = [c for c in final("RUN") if "apt-get install" in c.value[0]]
    return step.value[0]


def run_package_step(tmp_path: Path, variant: str, extra: str = "") -> subprocess.CompletedProcess:
    """Run the package step with apt-get, rm and fc-cache stubbed; nothing else is on PATH."""
    stubs = tmp_path / "bin"
    stubs.mkdir(exist_ok=True)
    log = tmp_path / "calls.log"
    for name in ("apt-get", "rm", "fc-cache"):
        stub = stubs / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\n')
        stub.chmod(0o755)
    env = {"PATH": str(stubs), "VARIANT": variant, "EXTRA_PACKAGES": extra}
    return subprocess.run(
        ["/bin/sh", "-c", package_step()], env=env, capture_output=True, text=True, timeout=30, check=False
    )


def installed_packages(tmp_path: Path) -> set[str]:
    calls = (tmp_path / "calls.log").read_text().splitlines()
    (install,) = [c for c in calls if c.startswith("apt-get install")]
    return {word for word in install.split()[2:] if not word.startswith("-")}


def test_image_is_built_in_two_stages_and_the_runtime_installs_only_wheels():
    froms = [c for c in COMMANDS if c.cmd == "FROM"]
    assert len(froms) >= 2
    build, runtime = stages()[0], FINAL
    assert any("pip wheel" in c.value[0] for c in build if c.cmd == "RUN")
    install = [c for c in runtime if c.cmd == "RUN" and "pip install" in c.value[0]]
    assert len(install) == 1
    assert "--no-index" in install[0].value[0]
    assert any(f.startswith("--mount=type=bind,from=build") for f in install[0].flags)
    assert not [c for c in runtime if c.cmd == "COPY"], "the runtime stage copies nothing from the source tree"


def test_both_stages_use_a_slim_python_311():
    (arg,) = [c for c in COMMANDS if c.cmd == "ARG" and c.value[0].startswith("PYTHON_IMAGE=")]
    image = arg.value[0].split("=", 1)[1]
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", image)
    assert all(c.value[0] == "${PYTHON_IMAGE}" for c in COMMANDS if c.cmd == "FROM")


def test_runtime_runs_as_a_numeric_non_root_user():
    users = final("USER")
    assert users, "the final stage sets no USER"
    uid, _, gid = users[-1].value[0].partition(":")
    assert uid.isdigit() and int(uid) != 0, "numeric, so Kubernetes' runAsNonRoot can check it"
    assert int(uid) == NON_ROOT_UID and gid == str(NON_ROOT_UID)
    assert FINAL.index(users[-1]) > max(FINAL.index(c) for c in final("RUN")), "USER comes after every RUN"


def test_exposes_8080_and_enters_through_tini_into_osprey():
    assert [c.value for c in final("EXPOSE")] == [("8080",)]
    (entrypoint,) = final("ENTRYPOINT")
    assert entrypoint.json
    assert entrypoint.value == ("/usr/bin/tini", "--", "osprey")
    assert "tini" in package_step()


def test_image_sets_no_osprey_variable():
    """The environment overrides a config file, and Osprey refuses OSPREY_* names it does not know."""
    names = [c.value[i] for c in final("ENV") for i in range(0, len(c.value), 2)]
    assert names
    assert not [n for n in names if n.startswith("OSPREY_")]
    assert "HOME" in names, "LibreOffice and fontconfig need a writable HOME on a read-only root"


def test_slim_variant_installs_the_cjk_fonts_and_no_libreoffice(tmp_path):
    result = run_package_step(tmp_path, "slim")
    assert result.returncode == 0, result.stderr
    packages = installed_packages(tmp_path)
    assert packages >= FONTS | {"tini", "fontconfig"}
    assert not packages & LIBREOFFICE
    assert any(c.startswith("fc-cache") for c in (tmp_path / "calls.log").read_text().splitlines())


def test_full_variant_adds_headless_libreoffice_and_its_sandbox_to_the_fonts(tmp_path):
    result = run_package_step(tmp_path, "full", extra="poppler-utils")
    assert result.returncode == 0, result.stderr
    assert installed_packages(tmp_path) >= FONTS | LIBREOFFICE | {"bubblewrap", "poppler-utils"}


def test_unknown_variant_fails_the_build(tmp_path):
    result = run_package_step(tmp_path, "fat")
    assert result.returncode != 0
    assert "VARIANT must be 'slim' or 'full'" in result.stderr
    assert not (tmp_path / "calls.log").exists(), "nothing is installed for an unknown variant"


def test_variant_defaults_to_slim():
    args = [c.value[0] for c in final("ARG")]
    assert "VARIANT=slim" in args


def test_every_package_exists_in_the_base_images_debian_release(tmp_path):
    """apt-cache on this (Debian) machine, when it runs the same release as the image."""
    (arg,) = [c for c in COMMANDS if c.cmd == "ARG" and c.value[0].startswith("PYTHON_IMAGE=")]
    release = arg.value[0].rsplit("-", 1)[1]
    os_release = Path("/etc/os-release").read_text() if Path("/etc/os-release").exists() else ""
    if f"VERSION_CODENAME={release}" not in os_release:
        pytest.skip(f"this machine is not Debian {release}")
    assert run_package_step(tmp_path, "full").returncode == 0
    wanted = sorted(installed_packages(tmp_path))
    policy = subprocess.run(
        ["apt-cache", "policy", "python3", *wanted], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    candidates = dict(re.findall(r"^(\S+):\n(?:  Installed: .*\n)?  Candidate: (.*)$", policy, re.MULTILINE))
    if candidates.get("python3", "(none)") == "(none)":
        pytest.skip("apt lists are empty here (apt-get update has not run)")
    missing = [p for p in wanted if candidates.get(p, "(none)") == "(none)"]
    assert not missing, f"not in Debian {release}: {missing}"


def test_build_context_admits_what_the_build_stage_copies():
    """`docker build -f deploy/Dockerfile .` reads deploy/Dockerfile.dockerignore, which excludes all but these."""
    ignore = DOCKERFILE.with_name("Dockerfile.dockerignore").read_text().splitlines()
    admitted = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert "*" in ignore
    copied = {src.rstrip("/") for c in stages()[0] if c.cmd == "COPY" for src in c.value[:-1]}
    assert copied <= admitted
    for source in copied:
        assert (REPO / source).exists(), source
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert pyproject["project"]["readme"] in copied
    packages = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {p.rstrip("*") for p in packages} <= copied


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthcheck_argv() -> list[str]:
    (check,) = final("HEALTHCHECK")
    assert check.json and check.value[0] == "CMD"
    argv = list(check.value[1:])
    assert argv[0] == "python", "no curl in a slim image: the check is Python's urllib"
    assert "/_osprey/healthz" in argv[-1]
    return [sys.executable, *argv[1:]]


def _image_command() -> list[str]:
    """ENTRYPOINT + CMD, with tini left out and the all-interfaces address replaced by loopback."""
    (entrypoint,) = final("ENTRYPOINT")
    (cmd,) = final("CMD")
    argv = [*entrypoint.value[2:], *cmd.value]
    argv = ["127.0.0.1" if a == "0.0.0.0" else a for a in argv]
    osprey = Path(sys.executable).with_name("osprey")
    return [str(osprey), *argv[1:]]


def test_healthcheck_passes_against_osprey_started_like_the_image_with_env_only_config(tmp_path):
    port = _free_port()
    (tmp_path / "data" / "photos").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSPREY_")}
    env.update(
        OSPREY_SERVER_PORT=str(port),
        OSPREY_UPSTREAM_TYPE="local",
        OSPREY_LIMITS_WORKERS="1",
        OSPREY_UPSTREAM_ROOT=str(tmp_path / "data"),
        NO_PROXY="127.0.0.1",
        no_proxy="127.0.0.1",
    )
    log = (tmp_path / "osprey.log").open("wb")
    server = subprocess.Popen(_image_command(), env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    check = _healthcheck_argv()
    try:
        deadline = time.monotonic() + 30
        while True:
            result = subprocess.run(check, env=env, capture_output=True, timeout=10, check=False)
            if result.returncode == 0:
                break
            assert server.poll() is None, (tmp_path / "osprey.log").read_text()
            assert time.monotonic() < deadline, f"{shlex.join(check)} never passed:\n{result.stderr.decode()}"
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()
    down = subprocess.run(check, env=env, capture_output=True, timeout=10, check=False)
    assert down.returncode != 0, "the check must fail when nothing answers"
