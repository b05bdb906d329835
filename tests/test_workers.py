"""The worker pool: its accounting (busy, queued, queue time apart from work time), deadlines that
terminate workers, the memory cap, and the heavy lane."""

import asyncio
import math
import multiprocessing
import os
import time
from pathlib import Path

import pytest

from proxy import samples
from proxy.errors import OssError
from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.metrics import Metrics
from proxy.process import deadline
from proxy.process.doc import shared_pdfs
from proxy.process.runner import run_chain
from proxy.trace import Trace, tracing
from proxy.workers import WorkerPool


async def _until(condition, timeout_s=20.0):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def _stage(metrics: Metrics, stage: str, suffix: str) -> float:
    return metrics.registry.get_sample_value(f"osprey_stage_duration_seconds_{suffix}", {"stage": stage}) or 0.0


async def test_busy_and_queued_follow_the_jobs_in_the_pool():
    metrics = Metrics()
    pool = WorkerPool(1, 10, 60, metrics)
    try:
        await pool.run(time.sleep, 0)  # the worker process is up: later queue times are waits, not start-up
        jobs = [asyncio.ensure_future(pool.run(time.sleep, 0.4)) for _ in range(3)]
        await _until(lambda: (pool.busy, pool.queued) == (1, 2))
        await asyncio.gather(*jobs)
        assert (pool.busy, pool.queued) == (0, 0)
    finally:
        pool.close()
    assert _stage(metrics, "process", "count") == 4
    assert _stage(metrics, "process", "sum") >= 1.2 * 0.9
    # The second job waited for the first, the third for both: 0.4 + 0.8 s queued.
    assert _stage(metrics, "queue", "sum") >= 1.2 * 0.9


async def test_a_job_records_its_stages_on_the_current_trace():
    pool = WorkerPool(1, 10, 60)
    trace = Trace()
    try:
        with tracing(trace):
            await pool.run(time.sleep, 0.2)
    finally:
        pool.close()
    assert set(trace.stages) == {"queue", "process"}
    assert trace.stages["process"] >= 0.18


async def test_a_full_pool_refuses_and_counts_busy():
    metrics = Metrics()
    pool = WorkerPool(1, 1, 60, metrics)
    try:
        first = asyncio.ensure_future(pool.run(time.sleep, 0.3))
        await _until(lambda: pool.pending == 1)
        with pytest.raises(OssError) as refused:
            await pool.run(time.sleep, 0)
        assert refused.value.status == 503
        await first
    finally:
        pool.close()
    assert metrics.registry.get_sample_value("osprey_rejections_total", {"reason": "busy"}) == 1


async def test_start_spawns_every_worker_before_any_job():
    before = set(multiprocessing.active_children())
    pool = WorkerPool(2, 10, 60)
    try:
        assert set(multiprocessing.active_children()) == before  # nothing spawned until asked
        await pool.start()
        assert len(set(multiprocessing.active_children()) - before) == 2
        assert await pool.run(len, b"abc") == 3
        assert len(set(multiprocessing.active_children()) - before) == 2  # the job ran on a started worker
    finally:
        pool.close()


async def test_the_workers_share_a_folder_that_goes_with_the_pool():
    pool = WorkerPool(1, 10, 60)
    shared = Path(pool.shared)
    try:
        assert shared.is_dir() and shared.stat().st_mode & 0o077 == 0  # private to this user
        await pool.run(shared_pdfs.store, "probe.docx.pdf", b"%PDF-1.7 probe")
        assert (shared / "probe.docx.pdf").read_bytes() == b"%PDF-1.7 probe"
    finally:
        pool.close()
    assert not shared.exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _lane(metrics: Metrics, name: str, lane: str, **labels) -> float:
    return metrics.registry.get_sample_value(name, {"lane": lane, **labels}) or 0.0


async def test_a_job_past_the_timeout_gets_503_and_its_worker_is_terminated_and_replaced():
    metrics = Metrics()
    pool = WorkerPool(1, 10, 2, metrics)
    try:
        first = await pool.run(os.getpid)
        began = time.monotonic()
        with pytest.raises(OssError) as late:
            await pool.run(time.sleep, 60)
        assert late.value.status == 503 and late.value.code == "ServiceUnavailable"
        assert time.monotonic() - began < 10
        await _until(lambda: not _alive(first), 10)  # terminated, not left sleeping
        second = await pool.run(os.getpid)
        assert second != first and await pool.run(len, b"abc") == 3
    finally:
        pool.close()
    assert _lane(metrics, "osprey_lane_rejections_total", "cheap", reason="timeout") == 1
    assert metrics.registry.get_sample_value("osprey_rejections_total", {"reason": "timeout"}) == 1


async def test_a_queued_job_whose_caller_timed_out_or_left_never_starts(tmp_path):
    pool = WorkerPool(1, 10, 60)
    timed_out, cancelled = tmp_path / "timed-out", tmp_path / "cancelled"
    try:
        await pool.run(len, b"")
        blocker = asyncio.ensure_future(pool.run(time.sleep, 60))
        await _until(lambda: pool.busy == 1)
        pool.timeout_s = 1  # the jobs queued behind it time out while the blocker still holds the worker
        waiting = asyncio.ensure_future(pool.run(timed_out.touch))
        leaving = asyncio.ensure_future(pool.run(cancelled.touch))
        await _until(lambda: pool.queued == 2)
        leaving.cancel()  # the caller disconnected
        with pytest.raises(OssError) as late:
            await waiting
        assert late.value.status == 503 and not blocker.done()
        blocker.cancel()  # its caller leaves too: the worker is terminated and replaced
        pool.timeout_s = 60
        assert await pool.run(len, b"ab") == 2  # the replaced worker runs new jobs, and ran none of those
        assert (pool.busy, pool.queued, pool.pending) == (0, 0, 0)
    finally:
        pool.close()
    assert leaving.cancelled() and blocker.cancelled()
    assert not timed_out.exists() and not cancelled.exists()


async def test_a_worker_past_its_memory_cap_or_killed_fails_alone_and_is_replaced():
    metrics = Metrics()
    pool = WorkerPool(2, 10, 30, metrics, memory_bytes=1024 * 1024 * 1024)
    try:
        await pool.start()
        steady = asyncio.ensure_future(pool.run(time.sleep, 1.5))
        await _until(lambda: pool.busy == 1)
        with pytest.raises(OssError) as over:
            await pool.run(bytearray, 2 * 1024 * 1024 * 1024)
        assert over.value.status == 503
        with pytest.raises(OssError) as died:
            await pool.run(os._exit, 9)  # as the kernel's OOM killer would end it
        assert died.value.status == 503
        assert not steady.done()
        assert await steady is None  # the job on the other worker went on
        assert await pool.run(len, b"abc") == 3
    finally:
        pool.close()
    assert _lane(metrics, "osprey_lane_rejections_total", "cheap", reason="died") == 2


async def test_heavy_jobs_never_hold_every_worker_and_queue_only_their_share():
    metrics = Metrics()
    pool = WorkerPool(2, 4, 30, metrics)  # one heavy worker; the heavy lane may hold 2 of the 4 jobs
    try:
        await pool.start()
        heavy = [asyncio.ensure_future(pool.run(time.sleep, 1.5, heavy=True)) for _ in range(2)]
        await _until(lambda: pool.pending == 2)
        with pytest.raises(OssError) as full:
            await pool.run(time.sleep, 0, heavy=True)
        assert full.value.code == "SlowDown"
        assert (_lane(metrics, "osprey_lane_workers_busy", "heavy"), _lane(metrics, "osprey_lane_queue_depth", "heavy")
                ) == (1, 1)
        began = time.monotonic()
        assert await pool.run(len, b"cheap") == 5  # a free worker, though two heavy jobs wait
        assert time.monotonic() - began < 1.0 and not any(job.done() for job in heavy)
        await asyncio.gather(*heavy)
    finally:
        pool.close()
    assert _lane(metrics, "osprey_lane_rejections_total", "heavy", reason="busy") == 1
    assert _lane(metrics, "osprey_lane_rejections_total", "cheap", reason="busy") == 0


def test_a_chain_stops_between_steps_once_its_deadline_has_passed():
    chain = parse_process("image/resize,w_10/rotate,90", OSS)
    source = samples.photo_jpeg(40, 20)
    try:
        deadline.start(time.time() - 1, 2)
        with pytest.raises(OssError) as late:
            run_chain(chain, source, "image/jpeg", Limits())
        assert late.value.status == 503 and "2 s" in late.value.message
        deadline.start(time.time() + 60, 60)
        assert run_chain(chain, source, "image/jpeg", Limits()).media_type == "image/jpeg"
    finally:
        deadline.start(math.inf, math.inf)
