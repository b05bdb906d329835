"""`osprey serve` as a real process on loopback: SIGTERM drains, start-up fails fast or starts unready."""

from __future__ import annotations

import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from proxy import samples

REPO = Path(__file__).resolve().parents[1]
BIG = 64 * 1024 * 1024  # several times what loopback socket buffers hold: the server stays mid-body
SLOW = "/photos/slow.jpg?x-oss-process=image" + "/blur,r_50,s_50" * 19  # about a second per blur here
_START_S = 30.0


def _config(tmp_path: Path, port: int, limits: dict | None = None, **server) -> Path:
    lines = ["[server]", 'host = "127.0.0.1"', f"port = {port}"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in server.items()]
    lines += ["[upstream]", 'type = "local"', f"root = {json.dumps(str(tmp_path / 'data'))}",
              "[buckets.photos]", 'anonymous = "read"', "[limits]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in {"workers": 1, **(limits or {})}.items()]
    path = tmp_path / "osprey.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    (tmp_path / "data" / "photos").mkdir(parents=True)
    with open(tmp_path / "data" / "photos" / "big.bin", "wb") as f:
        f.truncate(BIG)  # sparse: costs no disk
    (tmp_path / "data" / "photos" / "slow.jpg").write_bytes(samples.photo_jpeg(4000, 3000))
    return tmp_path / "data"


class Osprey:
    """A running `python -m proxy serve` and its combined log."""

    def __init__(self, config: Path, log: Path, port: int) -> None:
        self.port, self.log = port, log
        with log.open("wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "proxy", "serve", "--config", str(config)],
                                         cwd=REPO, stdout=out, stderr=subprocess.STDOUT)

    def get(self, path: str, port: int | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=10)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + _START_S
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"osprey exited with {self.proc.returncode}:\n{self.log.read_text()}"
            try:
                if self.get("/_osprey/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"osprey did not answer within {_START_S:.0f}s:\n{self.log.read_text()}")

    def refuses_connections(self) -> bool:
        with socket.socket() as sock:
            try:
                sock.connect(("127.0.0.1", self.port))
            except ConnectionRefusedError:
                return True
        return False

    def log_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]

    def workers(self) -> set[int]:
        """The server's descendants: the worker pool, the fork server its workers come from, and
        multiprocessing's resource tracker."""
        found, todo = set(), [self.proc.pid]
        while todo:
            pid = todo.pop()
            try:
                kids = {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
            except FileNotFoundError:
                continue
            found |= kids
            todo += kids
        return found

    def sample(self, metrics_port: int, name: str) -> float:
        """One sample of the metrics page, by its name and labels as printed (`osprey_workers_busy`)."""
        status, scrape = self.get("/_osprey/metrics", metrics_port)
        assert status == 200
        return next(float(line.split()[-1]) for line in scrape.decode().splitlines()
                    if line.rpartition(" ")[0] == name)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def start(tmp_path: Path) -> Iterator:
    started: list[Osprey] = []

    def run(config: Path, port: int) -> Osprey:
        server = Osprey(config, tmp_path / f"osprey-{len(started)}.log", port)
        started.append(server)
        return server

    yield run
    for server in started:
        server.stop()


def _serve_with_metrics(tmp_path: Path, start, ports, limits: dict) -> tuple[Osprey, int]:
    """A healthy `osprey serve` with `limits`, a metrics port and a 1 s drain; and that port."""
    port, metrics_port = ports(), ports()
    server = start(_config(tmp_path, port, limits=limits, metrics_port=metrics_port, drain_timeout_s=1), port)
    server.wait_healthy()
    return server, metrics_port


def _until(condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_sigterm_finishes_the_request_in_flight_refuses_new_ones_and_exits_0(
    tmp_path, data_root, start, unused_tcp_port_factory
):
    port, metrics_port = unused_tcp_port_factory(), unused_tcp_port_factory()
    server = start(_config(tmp_path, port, metrics_port=metrics_port, drain_timeout_s=20), port)
    server.wait_healthy()
    assert server.get("/_osprey/readyz")[0] == 200
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/photos/big.bin")
    resp = conn.getresponse()
    assert resp.status == 200 and int(resp.headers["Content-Length"]) == BIG
    received = len(resp.read(1024 * 1024))

    signalled = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    assert _until(server.refuses_connections, 5), "still accepting connections after SIGTERM"
    assert server.proc.poll() is None, "exited with a request in flight"
    status, scrape = server.get("/_osprey/metrics", metrics_port)  # the metrics port outlives the drain
    assert status == 200 and b"osprey_requests_total" in scrape

    while chunk := resp.read(1024 * 1024):
        received += len(chunk)
    conn.close()
    assert received == BIG
    assert server.proc.wait(timeout=15) == 0
    assert time.monotonic() - signalled < 15
    lines = server.log_lines()
    access = [line for line in lines if line["logger"] == "osprey.access" and line["key"] == "big.bin"]
    assert len(access) == 1 and access[0]["status"] == 200 and access[0]["bytes_sent"] > BIG
    messages = [line["msg"] for line in lines if line["logger"] == "osprey.server"]
    assert any(m.startswith("shutting down") for m in messages) and messages[-1] == "stopped"


def test_a_request_still_running_at_the_drain_timeout_is_cut_and_exit_is_still_0(
    tmp_path, data_root, start, unused_tcp_port
):
    server = start(_config(tmp_path, unused_tcp_port, drain_timeout_s=1), unused_tcp_port)
    server.wait_healthy()
    conn = http.client.HTTPConnection("127.0.0.1", unused_tcp_port, timeout=10)
    conn.request("GET", "/photos/big.bin")
    resp = conn.getresponse()
    received = len(resp.read(1024 * 1024))  # then stop reading: the server can never finish
    signalled = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=15) == 0
    assert time.monotonic() - signalled < 6  # the drain timeout (1 s) for the wait, at most as long to cancel
    try:
        while chunk := resp.read(1024 * 1024):
            received += len(chunk)
    except (http.client.IncompleteRead, ConnectionError):
        pass
    conn.close()
    assert received < BIG  # cut, not completed


def test_a_missing_local_root_stops_start_up_with_one_line(tmp_path, unused_tcp_port):
    config = _config(tmp_path, unused_tcp_port)  # no data directory
    done = subprocess.run([sys.executable, "-m", "proxy", "serve", "--config", str(config)], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"config error: upstream.root = {str(tmp_path / 'data')!r} is not a directory (type 'local' serves its "
        "sub-directories as buckets)"
    ]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_host_where_bubblewrap_cannot_run_stops_start_up_with_one_line(tmp_path, data_root, unused_tcp_port):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "bwrap").write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    (fake / "bwrap").chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    done = subprocess.run([sys.executable, "-m", "proxy", "serve", "--config", str(_config(tmp_path, unused_tcp_port))],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("config error: limits.doc_sandbox = 'bwrap' but bubblewrap cannot create its namespaces")
    assert "No permissions to create new namespace" in line and "limits.doc_sandbox = 'none'" in line


def test_a_port_in_use_stops_start_up_with_one_line(tmp_path, data_root, unused_tcp_port):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", unused_tcp_port))
        taken.listen()
        done = subprocess.run(
            [sys.executable, "-m", "proxy", "serve", "--config", str(_config(tmp_path, unused_tcp_port))],
            cwd=REPO, capture_output=True, text=True, timeout=60,
        )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith(f"osprey: cannot listen on 127.0.0.1:{unused_tcp_port}:")


def test_an_unreachable_s3_upstream_starts_unready_and_still_stops_cleanly(
    tmp_path, start, unused_tcp_port_factory
):
    port, nowhere = unused_tcp_port_factory(), unused_tcp_port_factory()
    config = tmp_path / "osprey.toml"
    config.write_text(
        f'[server]\nport = {port}\n[upstream]\ntype = "s3"\nendpoint = "http://127.0.0.1:{nowhere}"\n'
        'access_key_id = "testing"\nsecret_access_key = "testing"\nconnect_timeout_s = 1\n'
    )
    server = start(config, port)
    server.wait_healthy()
    status, body = server.get("/_osprey/readyz")
    assert status == 503 and json.loads(body)["status"] == "unavailable"
    warnings = [line["msg"] for line in server.log_lines() if line["level"] == "warning"]
    assert any(m.startswith("not ready yet: The upstream store is unavailable") for m in warnings), warnings
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=15) == 0


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX signals")
def test_sigint_stops_like_sigterm(tmp_path, data_root, start, unused_tcp_port):
    server = start(_config(tmp_path, unused_tcp_port), unused_tcp_port)
    server.wait_healthy()
    server.proc.send_signal(signal.SIGINT)
    assert server.proc.wait(timeout=15) == 0


def _alive(pid: int) -> bool:
    """Whether the process still runs (a zombie left to init to reap does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def test_a_job_past_the_timeout_answers_503_and_its_worker_is_replaced_not_left_burning(
    tmp_path, data_root, start, unused_tcp_port
):
    server = start(_config(tmp_path, unused_tcp_port, limits={"timeout_s": 2}), unused_tcp_port)
    server.wait_healthy()
    before = server.workers()
    began = time.monotonic()
    status, body = server.get(f"{SLOW}/blur,r_50,s_50")
    assert status == 503 and b"<Code>ServiceUnavailable</Code>" in body and b"limits.timeout_s" in body
    assert time.monotonic() - began < 8
    assert _until(lambda: not any(_alive(pid) for pid in before - server.workers()) and before != server.workers(), 10)
    assert server.get("/photos/slow.jpg?x-oss-process=image/resize,w_100")[0] == 200  # the new worker
    assert all(not _alive(pid) for pid in before - server.workers())


def test_sigterm_does_not_wait_for_a_runaway_job_beyond_the_drain_timeout(
    tmp_path, data_root, start, unused_tcp_port_factory
):
    server, metrics_port = _serve_with_metrics(tmp_path, start, unused_tcp_port_factory, {"timeout_s": 120})
    workers = server.workers()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", f"{SLOW}/blur,r_50,s_50")  # some 20 s of blurs
    assert _until(lambda: server.sample(metrics_port, "osprey_workers_busy") == 1, 10)
    signalled = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=15) == 0
    assert time.monotonic() - signalled < 6  # the drain timeout (1 s), then the worker is terminated
    # The workers are gone; the fork server and resource tracker leave once they see the server gone.
    assert _until(lambda: not any(_alive(pid) for pid in workers), 5), [
        Path(f"/proc/{pid}/cmdline").read_bytes() for pid in workers if _alive(pid)]
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        conn.getresponse().read()
    conn.close()


def test_thumbnails_keep_flowing_while_heavy_urls_hold_their_lane(tmp_path, data_root, start, unused_tcp_port_factory):
    limits = {"workers": 2, "timeout_s": 60}
    server, metrics_port = _serve_with_metrics(tmp_path, start, unused_tcp_port_factory, limits)
    heavy = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=30) for _ in range(3)]
    for n, conn in enumerate(heavy):
        conn.request("GET", f"{SLOW}/blur,r_{50 - n},s_50")  # some 20 s each; one runs, two wait
    assert _until(lambda: server.sample(metrics_port, 'osprey_lane_queue_depth{lane="heavy"}') == 2, 10)
    assert server.sample(metrics_port, 'osprey_lane_workers_busy{lane="heavy"}') == 1
    began = time.monotonic()
    for width in (100, 120, 140):
        status, body = server.get(f"/photos/slow.jpg?x-oss-process=image/resize,w_{width}")
        assert status == 200 and Image.open(io.BytesIO(body)).width == width
    assert time.monotonic() - began < 15  # on the worker the heavy lane may not take, not after 20 s of blurs
    assert server.sample(metrics_port, 'osprey_lane_workers_busy{lane="heavy"}') == 1
    for conn in heavy:
        conn.close()


def test_a_queued_job_whose_client_disconnects_is_dropped_before_it_takes_a_worker(
    tmp_path, data_root, start, unused_tcp_port_factory
):
    server, metrics_port = _serve_with_metrics(tmp_path, start, unused_tcp_port_factory, {"timeout_s": 120})
    running, leaving = (http.client.HTTPConnection("127.0.0.1", server.port, timeout=30) for _ in range(2))
    running.request("GET", f"{SLOW}/blur,r_50,s_50")  # some 20 s of blurs on the only worker
    assert _until(lambda: server.sample(metrics_port, "osprey_workers_busy") == 1, 10)
    leaving.request("GET", f"{SLOW}/blur,r_49,s_50")
    queued = 'osprey_lane_queue_depth{lane="heavy"}'
    assert _until(lambda: server.sample(metrics_port, queued) == 1, 10)
    leaving.close()  # the client leaves before its job starts

    assert _until(lambda: server.sample(metrics_port, queued) == 0, 5)
    assert server.sample(metrics_port, "osprey_workers_busy") == 1  # the first job still runs
    assert _until(lambda: any(line.get("status") == 499 for line in server.log_lines()), 5)
    running.close()
