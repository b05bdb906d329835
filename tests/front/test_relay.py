"""Zero-copy pass-through: large plain-HTTP bodies are relayed socket to socket with splice(2), byte for byte,
and every way a relay can end (done, upstream short or stalled, client gone) leaves no descriptor behind."""

import asyncio
import hashlib
import os
import socket
import time
from collections.abc import AsyncIterator

import aiohttp
import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config as BotoConfig

import proxy.front.relay as relay_module
from proxy.app import build_app
from proxy.front.relay import relay
from proxy.front.services import SERVICES

from .clients import in_thread
from .test_faults_e2e import s3_config, serve_raw

MIB = 1024 * 1024
pytestmark = pytest.mark.skipif(not hasattr(os, "splice"), reason="splice(2) is Linux only")


async def _tcp_pair() -> tuple[socket.socket, socket.socket]:
    """A connected pair of non-blocking loopback TCP sockets (what the relay sees in production)."""
    listener = socket.create_server(("127.0.0.1", 0))
    a = socket.create_connection(listener.getsockname())
    b, _ = listener.accept()
    listener.close()
    for s in (a, b):
        s.setblocking(False)
    return a, b


async def _drain(sock: socket.socket, count: int | None = None) -> bytes:
    loop = asyncio.get_running_loop()
    received = bytearray()
    while count is None or len(received) < count:
        chunk = await loop.sock_recv(sock, MIB)
        if not chunk:
            break
        received += chunk
    return bytes(received)


async def test_relay_moves_every_byte_in_order():
    data = os.urandom(3 * MIB + 17)
    up_writer, up = await _tcp_pair()
    down, client = await _tcp_pair()
    loop = asyncio.get_running_loop()
    sending = asyncio.ensure_future(loop.sock_sendall(up_writer, data))
    receiving = asyncio.ensure_future(_drain(client, len(data)))
    moved = await relay(up.fileno(), down.fileno(), len(data), timeout=5)
    await sending
    assert moved == len(data) and await receiving == data
    for s in (up_writer, up, down, client):
        s.close()


async def test_an_upstream_that_ends_early_gives_fewer_bytes_and_all_it_sent():
    data = os.urandom(MIB)
    up_writer, up = await _tcp_pair()
    down, client = await _tcp_pair()
    await asyncio.get_running_loop().sock_sendall(up_writer, data)
    up_writer.close()
    receiving = asyncio.ensure_future(_drain(client, len(data)))
    moved = await relay(up.fileno(), down.fileno(), 2 * MIB, timeout=5)
    assert moved == len(data) and await receiving == data
    for s in (up, down, client):
        s.close()


async def test_a_stalled_upstream_times_out_and_a_gone_client_is_a_connection_error():
    up_writer, up = await _tcp_pair()
    down, client = await _tcp_pair()
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await relay(up.fileno(), down.fileno(), MIB, timeout=0.5)
    assert time.monotonic() - started < 3
    client.close()
    sending = asyncio.ensure_future(asyncio.get_running_loop().sock_sendall(up_writer, os.urandom(4 * MIB)))
    with pytest.raises(ConnectionError):
        await relay(up.fileno(), down.fileno(), 4 * MIB, timeout=5)
    sending.cancel()
    for s in (up_writer, up, down):
        s.close()


@pytest.fixture
def big_object(moto_server, bucket_name):
    data = os.urandom(5 * MIB + 3)
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket_name)
    s3.put_object(Bucket=bucket_name, Key="big.bin", Body=data)
    return bucket_name, data


@pytest.fixture
def relay_calls(monkeypatch) -> list[int]:
    """Spy: the lengths each relay was asked to move (the real relay runs)."""
    calls: list[int] = []
    real = relay_module.relay

    async def spy(src: int, dst: int, length: int, timeout: float | None) -> int:
        calls.append(length)
        return await real(src, dst, length, timeout)

    monkeypatch.setattr(relay_module, "relay", spy)
    return calls


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_a_large_get_over_plain_http_is_relayed_byte_for_byte(aiohttp_client, moto_server, big_object,
                                                                    relay_calls):
    bucket, data = big_object
    client = await aiohttp_client(build_app(s3_config(moto_server, bucket)))
    cases = (({}, data), ({"Range": "bytes=1000-3000000"}, data[1000:3000001]))
    fds = None
    for _ in range(3):
        for headers, expected in cases:
            resp = await client.get(f"/{bucket}/big.bin", headers=headers)
            assert resp.status in (200, 206) and int(resp.headers["Content-Length"]) == len(expected)
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
            assert hashlib.sha256(await resp.read()).digest() == hashlib.sha256(expected).digest()
        fds = fds or _open_fds()  # after the first round: connection pools are open by then
    assert len(relay_calls) == 6  # every one went socket to socket (less what aiohttp had already buffered)
    assert all(0 < length <= len(data) for length in relay_calls), relay_calls
    received = client.app[SERVICES].metrics.registry.get_sample_value(
        "osprey_upstream_bytes_total", {"direction": "received"})
    assert received == 3 * (len(data) + 3000001 - 1000)
    assert _open_fds() <= fds + 2  # two more rounds of relays left no pipe or duplicate behind


async def test_boto3_through_the_relay_reads_the_object_as_stored(aiohttp_client, moto_server, big_object,
                                                                  relay_calls):
    bucket, data = big_object
    client = await aiohttp_client(build_app(s3_config(moto_server, bucket)))
    via = boto3.client("s3", endpoint_url=str(client.make_url("/")).rstrip("/"), region_name="us-east-1",
                       config=BotoConfig(signature_version=UNSIGNED, s3={"addressing_style": "path"}))
    body = await in_thread(lambda: via.get_object(Bucket=bucket, Key="big.bin")["Body"].read())
    assert body == data and relay_calls


async def test_a_client_that_leaves_mid_relay_leaves_nothing_open(aiohttp_client, moto_server, big_object,
                                                                  relay_calls):
    bucket, data = big_object
    client = await aiohttp_client(build_app(s3_config(moto_server, bucket)))
    assert await (await client.get(f"/{bucket}/big.bin")).read() == data  # pools open
    fds = _open_fds()
    for _ in range(3):
        async with aiohttp.ClientSession() as session, session.get(client.make_url(f"/{bucket}/big.bin")) as resp:
            await resp.content.readexactly(64 * 1024)
    resp = await client.get(f"/{bucket}/big.bin")
    assert await resp.read() == data
    assert relay_calls
    for _ in range(50):  # each relay notices its client left and closes its pipe and descriptors
        if _open_fds() <= fds + 2:
            break
        await asyncio.sleep(0.1)
    assert _open_fds() <= fds + 2


@pytest.fixture
async def stalling_s3() -> AsyncIterator[str]:
    """GET answers promise 4 MiB, send 2 MiB and then nothing, holding the connection open."""

    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        writer.write(
            f"HTTP/1.1 200 OK\r\nContent-Length: {4 * MIB}\r\nContent-Type: application/octet-stream\r\n"
            'ETag: "abc"\r\nLast-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n'.encode() + b"\x01" * (2 * MIB)
        )
        await writer.drain()
        await asyncio.sleep(30)
        writer.close()

    async with serve_raw(stall) as endpoint:
        yield endpoint


async def test_an_upstream_stalled_mid_relay_cuts_the_client_within_the_read_timeout(aiohttp_client, stalling_s3,
                                                                                      relay_calls):
    client = await aiohttp_client(build_app(s3_config(stalling_s3, "photos", read_timeout_s=1)))
    started = time.monotonic()
    resp = await client.get("/photos/big.bin", timeout=aiohttp.ClientTimeout(total=15))
    assert resp.status == 200
    with pytest.raises(aiohttp.ClientPayloadError):
        await resp.read()
    assert time.monotonic() - started < 6
    assert relay_calls
