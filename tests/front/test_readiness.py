"""Readiness: cached upstream pings, shared by concurrent probes, and false as soon as shutdown begins."""

import asyncio

from proxy.front.readiness import Readiness
from proxy.upstream.errors import upstream_unavailable


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def counting_ping(fail: list[bool]):
    calls = []

    async def ping() -> None:
        calls.append(1)
        await asyncio.sleep(0.01)
        if fail and fail[0]:
            raise upstream_unavailable("connection refused")

    return ping, calls


async def test_the_upstream_answer_is_kept_for_the_cache_period():
    clock, fail = FakeClock(), [False]
    ping, calls = counting_ping(fail)
    readiness = Readiness(ttl_s=2.0, clock=clock)
    readiness.watch(ping)
    assert await readiness.problem() is None
    fail[0] = True
    clock.now += 1.9
    assert await readiness.problem() is None and len(calls) == 1  # still the cached answer
    clock.now += 0.2
    assert "connection refused" in await readiness.problem() and len(calls) == 2
    fail[0] = False
    clock.now += 2.0
    assert await readiness.problem() is None and len(calls) == 3


async def test_concurrent_probes_share_one_ping():
    ping, calls = counting_ping([False])
    readiness = Readiness(clock=FakeClock())
    readiness.watch(ping)
    assert await asyncio.gather(*(readiness.problem() for _ in range(20))) == [None] * 20
    assert len(calls) == 1


async def test_unexpected_ping_failures_still_answer():
    async def broken() -> None:
        raise RuntimeError("boom")

    readiness = Readiness()
    readiness.watch(broken)
    assert await readiness.problem() == "the upstream check failed: RuntimeError"


async def test_not_ready_before_start_and_while_draining():
    readiness = Readiness()
    assert await readiness.problem() == "not started"

    async def fine() -> None:
        return None

    readiness.watch(fine)
    readiness.draining = True
    assert await readiness.problem() == "shutting down"


async def test_readyz_turns_503_once_the_app_shuts_down(make_client):
    client = await make_client()
    assert (await client.get("/_osprey/readyz")).status == 200
    await client.app.shutdown()  # what the runner does once SIGTERM has closed the listening sockets
    resp = await client.get("/_osprey/readyz")
    assert resp.status == 503 and await resp.json() == {"status": "unavailable", "reason": "shutting down"}
    assert (await client.get("/_osprey/healthz")).status == 200  # alive all the same

