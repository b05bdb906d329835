"""The counting wrapper: every call by operation and status, bytes each way, bodies counted as they stream."""

from __future__ import annotations

import pytest

from proxy.errors import OssError
from proxy.metrics import Metrics
from proxy.upstream.body import ChunkReader
from proxy.upstream.forwarding import ForwardRequest
from proxy.upstream.interface import read_capped
from proxy.upstream.local import LocalUpstream
from proxy.upstream.metered import MeteredUpstream


@pytest.fixture
def metrics():
    return Metrics()


@pytest.fixture
async def metered(tmp_path, metrics):
    inner = LocalUpstream(tmp_path)
    (tmp_path / "box").mkdir()
    return MeteredUpstream(inner, metrics)


def calls(metrics: Metrics, operation: str, status: str) -> float:
    labels = {"operation": operation, "status": status}
    return metrics.registry.get_sample_value("osprey_upstream_requests_total", labels) or 0.0


def moved(metrics: Metrics, direction: str) -> float:
    return metrics.registry.get_sample_value("osprey_upstream_bytes_total", {"direction": direction})


async def test_put_read_and_streamed_get_count_calls_and_bytes(metered, metrics):
    await metered.put("box", "a.bin", b"x" * 1000)
    _, data = await read_capped(metered, "box", "a.bin", 10_000)
    stream = await metered.get("box", "a.bin")
    body = b"".join([chunk async for chunk in stream.body])
    assert data == body == b"x" * 1000
    assert (calls(metrics, "PutObject", "200"), calls(metrics, "GetObject", "200")) == (1, 2)
    assert (moved(metrics, "sent"), moved(metrics, "received")) == (1000, 2000)


async def test_a_partial_read_counts_only_what_was_read(metered, metrics, tmp_path):
    (tmp_path / "box" / "big.bin").write_bytes(b"y" * (3 * 256 * 1024))
    stream = await metered.get("box", "big.bin")
    first = await anext(stream.body)
    await stream.aclose()
    assert moved(metrics, "received") == len(first) < 3 * 256 * 1024


async def test_failures_are_counted_by_their_status(metered, metrics):
    with pytest.raises(OssError):
        await metered.head("box", "missing")
    with pytest.raises(OssError):
        await metered.get("nobucket", "missing")
    assert calls(metrics, "HeadObject", "404") == 1
    assert calls(metrics, "GetObject", "404") == 1


async def test_forwarded_calls_are_named_and_their_bodies_counted(metered, metrics):
    body = ChunkReader.of_bytes(b"hello world")
    answer = await metered.forward(ForwardRequest("PUT", "box", "f.txt", body=body, content_length=11))
    await answer.aclose()
    listing = await metered.forward(ForwardRequest("GET", "box", query=(("list-type", "2"),)))
    xml = b"".join([chunk async for chunk in listing.body])
    assert b"f.txt" in xml
    assert calls(metrics, "PutObject", "200") == 1
    assert calls(metrics, "ListObjectsV2", "200") == 1
    assert moved(metrics, "sent") == 11
    assert moved(metrics, "received") == len(xml)


async def test_ping_is_counted(metered, metrics):
    await metered.ping()
    assert calls(metrics, "Ping", "200") == 1
