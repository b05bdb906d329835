"""The result cache through the running server: hits, single-flight, freshness, 304s and errors."""

import asyncio
import io
from collections import Counter

from PIL import Image

from proxy.app import build_app
from proxy.front.services import SERVICES
from proxy.upstream.local import LocalUpstream

from .conftest import jpeg_bytes, local_config

URL = "/photos/red.jpg?x-oss-process=image/resize,w_100"


class CountingUpstream:
    """A local upstream that counts the calls made to it, so tests see what was fetched."""

    def __init__(self, inner: LocalUpstream) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name):
        target = getattr(self.inner, name)
        if not callable(target):
            return target

        def counted(*args, **kwargs):
            self.calls[name] += 1
            return target(*args, **kwargs)

        return counted


class RemoteUpstream(CountingUpstream):
    """Answers HEADs after a round trip, as S3 does: what it reports was read at the start of the trip."""

    async def head(self, *args, **kwargs):
        self.calls["head"] += 1
        meta = await self.inner.head(*args, **kwargs)
        await asyncio.sleep(0.1)
        return meta


async def _client(aiohttp_client, local_root, upstream_type=CountingUpstream, **sections):
    upstream = upstream_type(LocalUpstream(local_root))
    client = await aiohttp_client(build_app(local_config(local_root, **sections), upstream=upstream))
    svc = client.app[SERVICES]
    computations = Counter()
    run = svc.pool.run

    async def counted_run(fn, *args, **lane):
        computations["runs"] += 1
        await asyncio.sleep(0.05)  # hold the computation open so concurrent requests pile up behind it
        return await run(fn, *args, **lane)

    svc.pool.run = counted_run
    return client, upstream, computations


def _cache_count(client, result):
    return client.app[SERVICES].metrics.cache_requests.labels(result).value


async def test_second_request_is_a_hit_without_a_body_fetch(aiohttp_client, local_root):
    client, upstream, computations = await _client(aiohttp_client, local_root)
    first = await client.get(URL)
    body = await first.read()
    again = await client.get(URL)
    assert await again.read() == body and again.headers["ETag"] == first.headers["ETag"]
    assert computations["runs"] == 1
    assert upstream.calls["get"] == 1  # the hit only confirmed the ETag with a HEAD
    assert upstream.calls["head"] == 2
    assert (_cache_count(client, "miss"), _cache_count(client, "hit")) == (1, 1)


async def test_twenty_concurrent_identical_misses_fetch_and_compute_once(aiohttp_client, local_root):
    client, upstream, computations = await _client(aiohttp_client, local_root)
    responses = await asyncio.gather(*(client.get(URL) for _ in range(20)))
    bodies = {await r.read() for r in responses}
    assert [r.status for r in responses] == [200] * 20 and len(bodies) == 1
    assert computations["runs"] == 1
    assert upstream.calls["get"] == 1
    assert _cache_count(client, "miss") == 1 and _cache_count(client, "coalesced") == 19


async def test_an_overwritten_source_gives_the_new_rendition_at_once(aiohttp_client, local_root):
    client, _, _ = await _client(aiohttp_client, local_root)
    before = Image.open(io.BytesIO(await (await client.get(URL)).read()))
    await client.app[SERVICES].upstream.put("photos", "red.jpg", jpeg_bytes((300, 100), (20, 20, 220)), "image/jpeg")
    after = Image.open(io.BytesIO(await (await client.get(URL)).read()))
    assert before.size == (100, 50) and after.size == (100, 33)
    assert after.getpixel((50, 16))[2] > 180  # blue now


async def test_a_trusted_etag_window_serves_the_old_rendition_until_it_ends(aiohttp_client, local_root):
    client, upstream, _ = await _client(aiohttp_client, local_root, cache={"revalidate_after_s": 2})
    assert (await client.get("/photos/red.jpg?x-oss-process=image/resize,w_5")).status == 200  # workers up
    first = await (await client.get(URL)).read()
    await client.app[SERVICES].upstream.put("photos", "red.jpg", jpeg_bytes((300, 100)), "image/jpeg")
    assert await (await client.get(URL)).read() == first
    assert upstream.calls["head"] == 1
    await asyncio.sleep(2.1)
    assert Image.open(io.BytesIO(await (await client.get(URL)).read())).size == (100, 33)


async def test_if_none_match_answers_304_without_fetching_the_body(aiohttp_client, local_root):
    client, upstream, computations = await _client(aiohttp_client, local_root, cache={"max_bytes": 0})
    etag = (await client.get(URL)).headers["ETag"]
    reads = upstream.calls["get"]
    resp = await client.get(URL, headers={"If-None-Match": etag})
    assert resp.status == 304
    assert upstream.calls["get"] == reads and computations["runs"] == 1


async def test_errors_reach_every_waiter_and_are_not_cached(aiohttp_client, local_root):
    (local_root / "photos" / "bad.jpg").write_bytes(b"not an image at all")
    client, _, computations = await _client(aiohttp_client, local_root)
    url = "/photos/bad.jpg?x-oss-process=image/resize,w_10"
    responses = await asyncio.gather(*(client.get(url) for _ in range(5)))
    assert {r.status for r in responses} == {400}
    assert computations["runs"] == 1
    again = await client.get(url)
    assert again.status == 400 and computations["runs"] == 2


async def test_zero_max_bytes_turns_the_result_cache_off(aiohttp_client, local_root):
    client, _, computations = await _client(aiohttp_client, local_root, cache={"max_bytes": 0})
    for _ in range(3):
        assert (await client.get(URL)).status == 200
    assert computations["runs"] == 3


async def test_different_chains_on_one_source_read_it_once(aiohttp_client, local_root):
    client, upstream, computations = await _client(aiohttp_client, local_root)
    for width in (10, 20, 30):
        assert (await client.get(f"/photos/red.jpg?x-oss-process=image/resize,w_{width}")).status == 200
    assert computations["runs"] == 3 and upstream.calls["get"] == 1


async def test_concurrent_hits_on_a_remote_upstream_share_their_heads(aiohttp_client, local_root):
    client, upstream, _ = await _client(aiohttp_client, local_root, RemoteUpstream)
    body = await (await client.get(URL)).read()
    heads = upstream.calls["head"]
    responses = await asyncio.gather(*(client.get(URL) for _ in range(10)))
    assert [await r.read() for r in responses] == [body] * 10
    assert 1 <= upstream.calls["head"] - heads <= 2  # one round trip answers every request that waited for it
    assert _cache_count(client, "hit") == 10


async def test_a_request_after_an_overwrite_never_joins_a_head_that_began_before_it(aiohttp_client, local_root):
    client, upstream, _ = await _client(aiohttp_client, local_root, RemoteUpstream)
    assert (await client.get(URL)).status == 200  # cached: red, 100x50
    earlier = asyncio.ensure_future(client.get(URL))
    await asyncio.sleep(0.05)  # its HEAD has read the old ETag and is on its way back
    await upstream.inner.put("photos", "red.jpg", jpeg_bytes((300, 100), (20, 20, 220)), "image/jpeg")
    later = await client.get(URL)
    old, new = await (await earlier).read(), await later.read()
    assert Image.open(io.BytesIO(old)).size == (100, 50)
    assert Image.open(io.BytesIO(new)).size == (100, 33)  # the overwrite, not the HEAD already under way
