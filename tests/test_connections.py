"""The connection guard of a real `osprey serve` process: late headers and stalled bodies are cut, connections
past the cap are closed while open ones work, and an oversized header gets OSS XML without echo or traceback."""

from __future__ import annotations

import json
import select
import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.test_lifecycle import Osprey, _until

KEY, SECRET = "conn-key", "conn-secret"
REQUEST = b"GET /photos/small.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture
def osprey(tmp_path: Path, unused_tcp_port: int) -> Iterator:
    """Start `osprey serve` with the given `[server]` settings over a local bucket `photos`."""
    (tmp_path / "data" / "photos").mkdir(parents=True)
    (tmp_path / "data" / "photos" / "small.txt").write_bytes(b"small")
    started: list[Osprey] = []

    def run(**server) -> Osprey:
        lines = ["[server]", 'host = "127.0.0.1"', f"port = {unused_tcp_port}"]
        lines += [f"{key} = {json.dumps(value)}" for key, value in server.items()]
        lines += ["[upstream]", 'type = "local"', f"root = {json.dumps(str(tmp_path / 'data'))}",
                  "[buckets.photos]", 'anonymous = "read"', "[limits]", "workers = 1",
                  "[[credentials]]", f'access_key_id = "{KEY}"', f'secret_access_key = "{SECRET}"']
        config = tmp_path / "osprey.toml"
        config.write_text("\n".join(lines) + "\n")
        proc = Osprey(config, tmp_path / "osprey.log", unused_tcp_port)
        started.append(proc)
        proc.wait_healthy()
        return proc

    yield run
    for proc in started:
        proc.stop()


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setblocking(False)
    return sock


def _closed(sock: socket.socket) -> bool:
    """Whether the server has closed `sock` (EOF or reset); what it sent before is dropped."""
    try:
        while select.select([sock], [], [], 0)[0]:
            if not sock.recv(65536):
                return True
    except ConnectionError:
        return True
    return False


def _exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send `raw` on a new connection; the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        return _answer(sock)


def _answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """The next answer on a blocking `sock`: read up to its Content-Length (or the close)."""
    data = b""
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _length(data):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def _rejections(server: Osprey, reason: str) -> float:
    status, page = server.get("/_osprey/metrics")
    assert status == 200
    line = f'osprey_rejections_total{{reason="{reason}"}} '
    return float(next(row for row in page.decode().splitlines() if row.startswith(line)).split()[-1])


def _length(data: bytes) -> int:
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    for line in head.split("\r\n"):
        if line.startswith("content-length:"):
            return int(line.split(":", 1)[1])
    return 1 << 30


def test_headers_trickled_a_byte_a_second_are_cut_and_50_such_clients_do_not_stop_a_normal_one(osprey):
    server = osprey(header_timeout_s=1)
    slow = [_connect(server.port) for _ in range(50)]
    opened, closed_after, sent = time.monotonic(), {}, 0
    while len(closed_after) < len(slow) and time.monotonic() - opened < 10:
        for i, sock in enumerate(slow):  # one more byte of the request line each second
            if i not in closed_after:
                try:
                    sock.send(REQUEST[sent:sent + 1])
                except ConnectionError:
                    closed_after[i] = time.monotonic() - opened
        sent += 1
        if sent == 1:  # while all 50 trickle, a normal request is answered
            began = time.monotonic()
            assert _exchange(server.port, REQUEST)[::2] == (200, b"small") and time.monotonic() - began < 2
        next_byte = opened + sent
        while time.monotonic() < next_byte:
            for i, sock in enumerate(slow):
                if i not in closed_after and _closed(sock):
                    closed_after[i] = time.monotonic() - opened
            time.sleep(0.05)
    for sock in slow:
        sock.close()
    assert len(closed_after) == 50, f"{50 - len(closed_after)} trickling connections still open after 10 s"
    assert 0.9 < min(closed_after.values()) <= max(closed_after.values()) < 3, closed_after
    lines = [line["msg"] for line in server.log_lines()]
    assert sum("no complete request headers within 1 s" in msg for msg in lines) == 50
    assert _rejections(server, "header_timeout") == 50


def test_a_kept_alive_connection_idles_for_keepalive_timeout_not_header_timeout(osprey):
    server = osprey(header_timeout_s=1, keepalive_timeout_s=3)
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(REQUEST)
    assert _answer(sock)[::2] == (200, b"small")
    time.sleep(2)  # idle past header_timeout_s: a load balancer's pooled connection must survive this
    sock.sendall(REQUEST)
    assert _answer(sock)[::2] == (200, b"small")
    sock.setblocking(False)
    idle_from = time.monotonic()
    assert _until(lambda: _closed(sock), 6), "an idle kept-alive connection outlived keepalive_timeout_s"
    assert 2.5 < time.monotonic() - idle_from < 5.5
    sock.close()


def _signed_put_head(port: int, key: str, length: int) -> bytes:
    url = f"http://127.0.0.1:{port}/photos/{key}"
    request = AWSRequest(method="PUT", url=url, headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD",
                                                          "Content-Length": str(length)})
    SigV4Auth(Credentials(KEY, SECRET), "s3", "us-east-1").add_auth(request)
    lines = [f"PUT /photos/{key} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in request.headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_body_that_stops_mid_way_is_cut_after_the_idle_timeout_and_nothing_is_stored(osprey, tmp_path):
    server = osprey(body_idle_timeout_s=1, header_timeout_s=30)
    sock = _connect(server.port)
    sock.sendall(_signed_put_head(server.port, "stalled.bin", 100_000) + b"x" * 30_000)
    began = time.monotonic()
    assert _until(lambda: _closed(sock), 5), "a stalled upload is still open after 5 s"
    assert 0.9 < time.monotonic() - began < 3
    sock.close()
    assert not (tmp_path / "data" / "photos" / "stalled.bin").exists()
    status, _, _ = _exchange(server.port, _signed_put_head(server.port, "whole.bin", 5) + b"hello")
    assert status == 200 and (tmp_path / "data" / "photos" / "whole.bin").read_bytes() == b"hello"
    records = server.log_lines()
    assert any("its request body sent nothing for 1 s" in line["msg"] for line in records)
    assert _rejections(server, "body_idle_timeout") == 1
    assert not [line for line in records if line["level"] == "error"]


def test_connections_past_max_connections_are_closed_while_open_ones_work(osprey):
    server = osprey(max_connections=5, header_timeout_s=30)
    held = [_connect(server.port) for _ in range(5)]
    time.sleep(0.3)  # the server has accepted all five
    extra = _connect(server.port)
    assert _until(lambda: _closed(extra), 2), "a sixth connection stayed open past max_connections = 5"
    held[0].setblocking(True)
    held[0].sendall(REQUEST)
    assert _answer(held[0])[::2] == (200, b"small")  # the ones inside the cap still work
    for sock in held[1:]:
        assert not _closed(sock)
    for sock in held[:3]:
        sock.close()
    assert _until(lambda: server.get("/photos/small.txt") == (200, b"small"), 5)  # room again once some close
    for sock in (*held, extra):
        sock.close()
    messages = [line["msg"] for line in server.log_lines()]
    assert any("closing new ones" in msg for msg in messages)
    assert _rejections(server, "max_connections") >= 1


def test_a_16_kb_header_or_200_headers_get_xml_400_without_echo_and_a_log_line_without_traceback(osprey):
    server = osprey()
    marker = "QZX" * 5462  # 16 KiB, found nowhere else
    for extra in (f"X-Big: {marker}", "\r\n".join(f"X-QZX-{i}: QZX" for i in range(200))):
        status, headers, body = _exchange(server.port, REQUEST.replace(b"\r\n\r\n", f"\r\n{extra}\r\n\r\n".encode()))
        assert status == 400 and headers["content-type"] == "application/xml"
        assert headers["x-content-type-options"] == "nosniff" and len(headers["x-oss-request-id"]) == 24
        error = ET.fromstring(body)
        assert error.findtext("Code") == "RequestHeaderSectionTooLarge"
        assert error.findtext("RequestId") == headers["x-oss-request-id"]
        assert "QZX" not in body.decode()
    assert server.get("/photos/small.txt") == (200, b"small")
    log = server.log.read_text()
    assert "Traceback" not in log and "QZX" not in log
    refused = [line for line in server.log_lines() if "RequestHeaderSectionTooLarge" in line["msg"]]
    assert len(refused) == 2 and {line["level"] for line in refused} == {"info"}
    assert _rejections(server, "bad_request_head") == 2


REFUSED_BY_AIOHTTP = (
    (b"OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 404),  # no route: the target is not a path
    (b"CONNECT QZXhost:443 HTTP/1.1\r\nHost: QZXhost:443\r\n\r\n", 404),
    (b"PUT /photos/a HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: QZX-please\r\nContent-Length: 3\r\n\r\n", 417),
    (b"GET /photos/a HTTP/1.1\r\nHost: 127.0.0.1\r\nQZX\r\n\r\n", 400),  # a header line without a colon
)


def test_what_aiohttp_refuses_before_any_route_is_oss_xml_without_echo(osprey):
    server = osprey()
    for raw, status in REFUSED_BY_AIOHTTP:
        got, headers, body = _exchange(server.port, raw)
        assert got == status and headers["content-type"] == "application/xml", raw
        assert headers["x-content-type-options"] == "nosniff" and headers["server"] == "Osprey"
        error = ET.fromstring(body)
        assert error.findtext("Code") == "InvalidRequest" and error.findtext("RequestId") == headers["x-oss-request-id"]
        assert b"QZX" not in body
    assert "Traceback" not in server.log.read_text()


def test_a_request_without_host_is_served_without_a_dns_lookup(osprey) -> None:
    """HTTP/1.0 needs no Host header; aiohttp would then ask socket.getfqdn() (blocking DNS on the event loop).
    The request is taken to name the address it reached, which the error's HostId shows."""
    server = osprey()

    def fetch(path: str) -> bytes:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        return answer

    assert fetch("/photos/small.txt").startswith(b"HTTP/1.0 200")
    missing = fetch("/photos/missing.txt")
    assert missing.startswith(b"HTTP/1.0 404")
    body = ET.fromstring(missing.partition(b"\r\n\r\n")[2])
    assert body.findtext("HostId") == f"127.0.0.1:{server.port}" != socket.getfqdn()
