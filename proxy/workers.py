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
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from proxy.errors import OssError
from proxy.grammar.oss import OSS
from proxy.metrics import LANES, Metrics
from proxy.process import deadline
from proxy.trace import observe_stage

T = TypeVar("T")
log = logging.getLogger("osprey.workers")
CHEAP, HEAVY = LANES
# How long a terminated worker's place stays taken if no replacement reports in (the job ended by itself).
REPLACEMENT_WAIT_S = 10.0


def _warm_up(shared: str, memory_bytes: int, started: Connection) -> None:
    """Per worker: cap its address space, die at once on SIGTERM (even inside C code), import the
    processing code now rather than on the first request, share the pool's folder, then say so."""
    if memory_bytes:
        # The soft limit only: LibreOffice's prlimit may still set its own (limits.doc_max_memory_bytes).
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # pebble's handler waits for Python code to run
    from proxy.process import engines
    from proxy.process.doc import shared_pdfs

    engines.warm_up()

    shared_pdfs.use(Path(shared))
    started.send_bytes(b"")  # a few bytes: atomic on a pipe that every worker writes to


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


@dataclass
class _Replacing:
    """The place of a terminated worker, taken until its replacement has started."""

    lane: Lane
    timer: asyncio.TimerHandle | None = None


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
        # Workers fork from a server process that has imported the processing code once, so replacing a
        # terminated one costs milliseconds, not a second of imports on the cores the others need.
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["proxy.process.runner", *OSS.engines()])
        self._started, self._starts = self._context.Pipe(duplex=False)  # each worker says when it is ready
        self._replacing: deque[_Replacing] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
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
        return ProcessPool(self.workers, initializer=_warm_up,
                           initargs=(self.shared, self.memory_bytes, self._starts), context=self._context)

    def _watch_starts(self) -> None:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._loop.add_reader(self._started.fileno(), self._worker_started)

    def _worker_started(self) -> None:
        while self._started.poll():
            self._started.recv_bytes()
            if self._replacing:
                self._give_back(self._replacing[0])

    async def start(self) -> None:
        """Spawn and warm every worker now, so the first requests do not pay for it."""
        self._watch_starts()
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
                await lane.slots.acquire()
                try:
                    await self._free.acquire()
                except BaseException:
                    lane.slots.release()
                    raise
                lane.running += 1
                try:
                    started, result, ended = await self._call(submitted + self.timeout_s, fn, args)
                except (asyncio.CancelledError, TimeoutError, ProcessExpired):
                    self._hold_until_replaced(lane)  # pebble terminates the worker, or it died
                    raise
                except BaseException:
                    self._release(lane)  # the job's own error: its worker lives on
                    raise
                finally:
                    lane.running -= 1
                self._release(lane)
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

    def _release(self, lane: Lane) -> None:
        lane.slots.release()
        self._free.release()

    def _hold_until_replaced(self, lane: Lane) -> None:
        """Keep a terminated worker's place until its replacement has started: were it given back at once,
        the next heavy job could take the one live worker the cheap lane has while the other restarts."""
        held = _Replacing(lane)
        held.timer = asyncio.get_running_loop().call_later(REPLACEMENT_WAIT_S, self._give_back, held)
        self._replacing.append(held)

    def _give_back(self, held: _Replacing) -> None:
        if held.timer is not None:
            held.timer.cancel()
        self._replacing.remove(held)
        self._release(held.lane)

    async def _call(self, ends_at: float, fn: Callable[..., T], args: tuple[Any, ...]) -> tuple[float, T, float]:
        self._watch_starts()
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
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._started.fileno())
        for held in self._replacing:
            if held.timer is not None:
                held.timer.cancel()
        self._started.close()
        self._starts.close()
        shutil.rmtree(self.shared, ignore_errors=True)
