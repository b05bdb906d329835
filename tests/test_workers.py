"""The worker pool's own accounting: busy workers, queued jobs, and queue time told apart from work time."""

import asyncio
import multiprocessing
import time
from pathlib import Path

import pytest

from proxy.errors import OssError
from proxy.metrics import Metrics
from proxy.process.doc import shared_pdfs
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
