"""A bounded pool of worker processes so CPU-heavy processing never runs on the event loop.

A job never outlives `timeout_s`: a queued one whose caller timed out or left is dropped before it starts,
a running one has its worker process terminated (pebble then starts a fresh one). Each worker's address
space is capped, so a job that still overflows fails alone. Jobs run in two lanes: heavy ones (see
`proxy.process.cost`) hold at most `heavy_workers` workers, so cheap ones always find the others.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import os
import resource
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from proxy.errors import OssError
from proxy.metrics import LANES, Metrics
from proxy.process import deadline
from proxy.trace import observe_stage

T = TypeVar("T")
log = logging.getLogger("osprey.workers")
CHEAP, HEAVY = LANES


def _warm_up(shared: str, memory_bytes: int) -> None:
    """Per worker: cap its address space, die at once on SIGTERM (even inside C code), import the
    processing code now rather than on the first request, and share the pool's folder."""
    if memory_bytes:
        # The soft limit only: LibreOffice's prlimit may still set its own (limits.doc_max_memory_bytes).
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # pebble's handler waits for Python code to run
    import proxy.process.catalog  # noqa: F401
    from proxy.process.doc import shared_pdfs

    shared_pdfs.use(Path(shared))


def _timed_call(ends_at: float, timeout_s: float, fn: Callable[..., T], *args: Any) -> tuple[float, T, float]:
    """Runs in the worker: the result between the wall-clock times the job started and ended there, so
    the server can tell time spent queued from time spent working."""
    started = time.time()
    deadline.start(ends_at, timeout_s)
    deadline.check()  # handed over while a terminated worker was being replaced, and its caller gave up
    result = fn(*args)
    return started, result, time.time()


def _ready() -> None:
    """A job that only proves a worker is up."""


@dataclass
class Lane:
    """Jobs of one cost class: how many workers they may hold and how many may wait."""

    name: str
    workers: int
    max_pending: int
    pending: int = 0
    running: int = 0
    slots: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.slots = asyncio.Semaphore(self.workers)


class WorkerPool:
    """Runs pure functions in `workers` processes, with at most `max_pending` jobs queued or running."""

    def __init__(self, workers: int, max_pending: int, timeout_s: float, metrics: Metrics | None = None, *,
                 heavy_workers: int = 0, memory_bytes: int = 0) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.max_pending = max_pending
        self.timeout_s = timeout_s
        self.memory_bytes = memory_bytes
        self.metrics = metrics or Metrics()
        self.pending = 0
        heavy = min(heavy_workers or max(1, self.workers // 2), self.workers)
        # The heavy lane may also hold only its workers' share of the queue: cheap jobs keep the rest.
        self.lanes = {CHEAP: Lane(CHEAP, self.workers, max_pending),
                      HEAVY: Lane(HEAVY, heavy, max(1, math.ceil(max_pending * heavy / self.workers)))}
        self._free = asyncio.Semaphore(self.workers)  # a worker not running a job
        for lane in self.lanes.values():
            self.metrics.lane_busy.labels(lane.name).set_function(lambda lane=lane: lane.running)
            self.metrics.lane_queued.labels(lane.name).set_function(lambda lane=lane: lane.pending - lane.running)
        # The workers' shared scratch folder (converted PDFs), private to this user, gone with the pool.
        self.shared = tempfile.mkdtemp(prefix="osprey-workers-")
        self._pool = self._new_pool()

    @property
    def busy(self) -> int:
        """Workers running a job."""
        return sum(lane.running for lane in self.lanes.values())

    @property
    def queued(self) -> int:
        """Jobs waiting for a free worker."""
        return self.pending - self.busy

    def _new_pool(self) -> ProcessPool:
        return ProcessPool(self.workers, initializer=_warm_up, initargs=(self.shared, self.memory_bytes),
                           context=multiprocessing.get_context("spawn"))

    async def start(self) -> None:
        """Spawn and warm every worker now, so the first requests do not pay for it."""
        jobs = [self._pool.schedule(_ready) for _ in range(self.workers)]
        await asyncio.gather(*map(asyncio.wrap_future, jobs))

    async def run(self, fn: Callable[..., T], *args: Any, heavy: bool = False) -> T:
        """Run `fn(*args)` in a worker of the cheap or the heavy lane; busy → 503, too slow → 503 (the
        worker is terminated), the worker died (e.g. past limits.worker_memory_bytes) → 503."""
        lane = self.lanes[HEAVY if heavy else CHEAP]
        if self.pending >= self.max_pending or lane.pending >= lane.max_pending:
            self._reject(lane, "busy")
            raise OssError(  # S3's code for "back off": SDKs retry it with backoff
                503, "SlowDown",
                f"{self.pending} processing jobs are already queued (limits.max_concurrency); retry later.",
            )
        self.pending += 1
        lane.pending += 1
        submitted = time.time()
        try:
            async with asyncio.timeout(self.timeout_s):
                # Waiting here, a job whose caller times out or leaves is dropped before it starts.
                async with lane.slots, self._free:
                    lane.running += 1
                    try:
                        started, result, ended = await self._call(submitted + self.timeout_s, fn, args)
                    finally:
                        lane.running -= 1
            observe_stage(self.metrics, "queue", max(0.0, started - submitted))
            observe_stage(self.metrics, "process", max(0.0, ended - started))
            return result
        except TimeoutError:
            self._reject(lane, "timeout")
            raise OssError(
                503, "ServiceUnavailable",
                f"Processing took longer than {self.timeout_s:g} s (limits.timeout_s).",
            ) from None
        except (ProcessExpired, MemoryError) as exc:
            log.error("a %s job's worker ran out of memory or died (%s)", lane.name, type(exc).__name__)
            self._reject(lane, "died")
            raise OssError(503, "ServiceUnavailable", "A processing worker ran out of memory or died; retry "
                           "the request.") from None
        finally:
            self.pending -= 1
            lane.pending -= 1

    async def _call(self, ends_at: float, fn: Callable[..., T], args: tuple[Any, ...]) -> tuple[float, T, float]:
        if not self._pool.active:  # pebble gives up when a worker dies with no job running (e.g. killed)
            log.error("the worker pool broke; starting a new one")
            self._pool.stop()
            self._pool = self._new_pool()
        # pebble's own timeout terminates the worker should the event loop be too busy to cancel in time;
        # cancelling the future (timeout or caller gone) terminates it too.
        future = self._pool.schedule(_timed_call, (ends_at, self.timeout_s, fn, *args),
                                     timeout=max(0.0, ends_at - time.time()))
        return await asyncio.wrap_future(future)

    def _reject(self, lane: Lane, reason: str) -> None:
        self.metrics.lane_rejections.labels(lane.name, reason).inc()
        if reason != "died":
            self.metrics.rejections.labels(reason).inc()

    def close(self) -> None:
        """Terminate the workers now: by the time the server closes the pool its drain is over."""
        self._pool.stop()
        self._pool.join()
        shutil.rmtree(self.shared, ignore_errors=True)
