import asyncio

import pytest

from proxy.cache import BoundedMemo, ByteLRU, SingleFlight


def test_lru_evicts_by_bytes_least_recent_first():
    cache = ByteLRU(max_bytes=10, max_entry_bytes=10, size_of=len)
    assert cache.put("a", b"aaaa") and cache.put("b", b"bbbb")
    assert cache.get("a") == b"aaaa"  # a is now the most recent
    cache.put("c", b"cccc")
    assert cache.get("b") is None and cache.get("a") == b"aaaa" and cache.get("c") == b"cccc"
    assert cache.bytes == 8 and len(cache) == 2


def test_one_entry_over_the_cap_is_not_stored_and_flushes_nothing():
    cache = ByteLRU(max_bytes=100, max_entry_bytes=10, size_of=len)
    cache.put("small", b"x" * 10)
    assert not cache.put("huge", b"y" * 11)
    assert cache.get("small") == b"x" * 10 and cache.get("huge") is None


def test_zero_bytes_turns_the_cache_off():
    cache = ByteLRU(max_bytes=0, max_entry_bytes=10, size_of=len)
    assert not cache.put("a", b"a")
    assert cache.get("a") is None and cache.bytes == 0


async def test_concurrent_identical_calls_compute_once():
    flights: SingleFlight[str] = SingleFlight()
    calls = 0
    release = asyncio.Event()

    async def compute():
        nonlocal calls
        calls += 1
        await release.wait()
        return "value"

    tasks = [asyncio.create_task(flights.run("k", compute)) for _ in range(20)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*tasks)
    assert calls == 1
    assert [value for value, _ in results] == ["value"] * 20
    assert sum(coalesced for _, coalesced in results) == 19


async def test_an_error_reaches_every_waiter_and_is_not_remembered():
    flights: SingleFlight[str] = SingleFlight()
    release = asyncio.Event()

    async def fail():
        await release.wait()
        raise ValueError("boom")

    tasks = [asyncio.create_task(flights.run("k", fail)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    for outcome in await asyncio.gather(*tasks, return_exceptions=True):
        assert isinstance(outcome, ValueError)

    async def ok():
        return "fresh"

    assert await flights.run("k", ok) == ("fresh", False)


async def test_a_cancelled_caller_cancels_nothing_for_the_others():
    flights: SingleFlight[str] = SingleFlight()
    release = asyncio.Event()

    async def compute():
        await release.wait()
        return "done"

    first = asyncio.create_task(flights.run("k", compute))
    await asyncio.sleep(0)
    second = asyncio.create_task(flights.run("k", compute))
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    release.set()
    assert await second == ("done", True)


async def test_the_computation_is_cancelled_once_its_last_caller_has_gone():
    flights: SingleFlight[str] = SingleFlight()
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def compute():
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    callers = [asyncio.create_task(flights.run("k", compute)) for _ in range(2)]
    await started.wait()
    callers[0].cancel()
    await asyncio.sleep(0.01)
    assert not cancelled.is_set()  # one caller still waits
    callers[1].cancel()
    await asyncio.wait_for(cancelled.wait(), 1)
    assert await flights.run("k", _value("next")) == ("next", False)  # the cancelled one is forgotten


def _value(value: str):
    async def compute() -> str:
        return value

    return compute


async def test_run_fresh_never_joins_a_computation_that_began_before_the_call():
    flights: SingleFlight[int] = SingleFlight()
    gate = asyncio.Event()
    rounds = 0

    async def compute() -> int:
        nonlocal rounds
        rounds += 1
        answer = rounds
        await gate.wait()
        return answer

    first = asyncio.ensure_future(flights.run_fresh("k", compute))
    await asyncio.sleep(0.01)  # the first round is under way
    late = [asyncio.ensure_future(flights.run_fresh("k", compute)) for _ in range(3)]
    await asyncio.sleep(0.01)
    assert rounds == 1  # the late callers wait the first round out instead of joining it
    gate.set()
    assert await first == (1, False)
    assert sorted(await asyncio.gather(*late)) == [(2, False), (2, True), (2, True)]  # one shared second round
    assert rounds == 2


def test_bounded_memo_empties_itself_when_full():
    memo = BoundedMemo(3)
    for n in range(3):
        memo.remember(n, str(n))
    assert memo == {0: "0", 1: "1", 2: "2"}
    memo.remember(3, "3")
    assert memo == {3: "3"}
