"""Builders for `SignedRequest`s out of what real clients produce, and a loopback server that records requests."""

import http.server
import threading
from collections.abc import Callable, Mapping
from urllib.parse import unquote, urlsplit

import pytest

from proxy.auth import SignedRequest
from proxy.errors import OssError


@pytest.fixture
def credentials() -> dict[str, str]:
    """The keys Osprey knows: the `ak`/`sk` of the auth §8 worked examples and the AWS documentation's example key."""
    return {"ak": "sk", "AKIAIOSFODNN7EXAMPLE": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}


@pytest.fixture
def from_url():
    return _request_from_url


@pytest.fixture
def failure():
    return _failure


@pytest.fixture
def recorded():
    return _recorded_request


def _request_from_url(
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    virtual_host_domain: str = "",
) -> SignedRequest:
    """What the front would build: bucket from the host when it is `<bucket>.<domain>`, else from the path."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    host = parts.netloc
    if virtual_host_domain and host.split(":")[0].endswith("." + virtual_host_domain):
        bucket, key = host.split(".")[0], path[1:]
    else:
        bucket, _, key = path[1:].partition("/")
    all_headers = {"Host": host, **(headers or {})}
    return SignedRequest(method, host, parts.path, parts.query, all_headers, bucket, key)


def _failure(call: Callable[[], object]) -> OssError:
    """The OssError a verification raised (fails the test when it succeeded)."""
    with pytest.raises(OssError) as info:
        call()
    return info.value


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Keeps the method, raw target, headers and de-chunked body of each request; answers 200 with an ETag."""

    protocol_version = "HTTP/1.1"

    def _record(self) -> None:
        if self.headers.get("Transfer-Encoding") == "chunked":
            body = bytearray()
            while size := int(self.rfile.readline().split(b";")[0], 16):
                body += self.rfile.read(size)
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b""):
                pass
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((self.command, self.path, list(self.headers.items()), bytes(body)))
        self.send_response(200)
        self.send_header("ETag", '"0123456789abcdef0123456789abcdef"')
        self.send_header("x-oss-request-id", "0" * 24)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = do_HEAD = _record

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder():
    """A loopback HTTP server; `recorder.url` to point a client at, `recorder.seen` for what it received."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.seen = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _recorded_request(server: http.server.HTTPServer, index: int = -1) -> tuple[SignedRequest, bytes]:
    """A recorded request as the front would describe it (path-style addressing), with its body."""
    method, target, headers, body = server.seen[index]
    path, _, query = target.partition("?")
    bucket, _, key = unquote(path)[1:].partition("/")
    host = dict((name.lower(), value) for name, value in headers)["host"]
    return SignedRequest(method, host, path, query, _MultiDict(headers), bucket, key), body


class _MultiDict(Mapping):
    """Header pairs as a multidict would give them (repeated names allowed), like aiohttp's CIMultiDict."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def __getitem__(self, name: str) -> str:
        return next(value for key, value in self._pairs if key.lower() == name.lower())

    def __iter__(self):
        return (key for key, _ in self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def items(self):
        return list(self._pairs)
