"""An S3 upstream that is down, silent or cut off gives the client a prompt 5xx, never a hang."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiobotocore.session import AioSession

from proxy.config import UpstreamConfig
from proxy.errors import OssError
from proxy.upstream.interface import read_capped
from proxy.upstream.s3 import S3Upstream

BOUND_S = 10.0

OpenS3 = Callable[[str], Awaitable[S3Upstream]]
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
async def s3_at(aio_session: AioSession) -> AsyncIterator[OpenS3]:
    """Opens S3 upstreams with short timeouts on given endpoints, and closes them afterwards."""
    opened: list[S3Upstream] = []

    async def open_at(endpoint: str) -> S3Upstream:
        opened.append(await S3Upstream.open(UpstreamConfig(
            type="s3", endpoint=endpoint, access_key_id="testing", secret_access_key="testing",
            connect_timeout_s=1, read_timeout_s=0.5,
        ), aio_session))
        return opened[-1]

    yield open_at
    for upstream in opened:
        await upstream.close()


async def error_within_bound(call: Awaitable[object]) -> tuple[OssError, float]:
    started = time.monotonic()
    with pytest.raises(OssError) as caught:
        await asyncio.wait_for(call, BOUND_S)
    return caught.value, time.monotonic() - started


@asynccontextmanager
async def serve_raw(handler: Handler) -> AsyncIterator[str]:
    """A hand-written HTTP server on a loopback port, for answers no real store would give."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


@pytest.fixture
async def silent_endpoint() -> AsyncIterator[str]:
    """Accepts connections and never answers, until the client hangs up."""
    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.read(65536):
            pass
        writer.close()

    async with serve_raw(hold) as endpoint:
        yield endpoint


@pytest.fixture
async def cut_off_endpoint() -> AsyncIterator[str]:
    """Promises 1000 bytes of body, sends 10, then hangs up."""
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: image/jpeg\r\n"
            b'ETag: "abc"\r\nLast-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n0123456789'
        )
        await writer.drain()
        writer.close()

    async with serve_raw(cut) as endpoint:
        yield endpoint


@pytest.mark.parametrize("operation", ["get", "head", "read", "put", "ping"])
async def test_closed_port_is_503_service_unavailable_promptly(
    s3_at: OpenS3, operation: str, unused_tcp_port: int,
) -> None:
    upstream = await s3_at(f"http://127.0.0.1:{unused_tcp_port}")
    calls = {
        "get": lambda: upstream.get("photos", "a.jpg"),
        "head": lambda: upstream.head("photos", "a.jpg"),
        "read": lambda: read_capped(upstream, "photos", "a.jpg", 1024),
        "put": lambda: upstream.put("photos", "a.jpg", b"x"),
        "ping": upstream.ping,
    }

    err, elapsed = await error_within_bound(calls[operation]())

    assert (err.status, err.code) == (503, "ServiceUnavailable")
    assert "127.0.0.1" not in err.message  # the upstream's address is not the client's business
    assert elapsed < 5


async def test_silent_upstream_is_504_gateway_timeout_within_the_bound(
    s3_at: OpenS3, silent_endpoint: str,
) -> None:
    upstream = await s3_at(silent_endpoint)

    err, elapsed = await error_within_bound(upstream.get("photos", "a.jpg"))

    assert (err.status, err.code) == (504, "GatewayTimeout")
    assert elapsed < BOUND_S


async def test_silent_upstream_fails_ping(s3_at: OpenS3, silent_endpoint: str) -> None:
    upstream = await s3_at(silent_endpoint)

    err, _ = await error_within_bound(upstream.ping())

    assert err.status == 503


async def test_body_cut_off_mid_stream_raises_instead_of_ending_short(
    s3_at: OpenS3, cut_off_endpoint: str,
) -> None:
    upstream = await s3_at(cut_off_endpoint)

    stream = await upstream.get("photos", "a.jpg")
    received = b""
    with pytest.raises(OssError) as caught:
        async for chunk in stream.body:
            received += chunk

    assert (stream.status, stream.content_length) == (200, 1000)
    assert received == b"0123456789"
    assert (caught.value.status, caught.value.code) == (502, "BadGateway")


async def test_read_of_a_cut_off_body_is_502_bad_gateway(
    s3_at: OpenS3, cut_off_endpoint: str,
) -> None:
    upstream = await s3_at(cut_off_endpoint)

    err, _ = await error_within_bound(read_capped(upstream, "photos", "a.jpg", 4096))

    assert (err.status, err.code) == (502, "BadGateway")
