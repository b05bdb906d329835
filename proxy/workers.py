"""A bounded pool of worker processes so CPU-heavy processing never runs on the event loop."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from proxy.errors import OssError
from proxy.metrics import Metrics
from proxy.trace import observe_stage

T = TypeVar("T")
log = logging.getLogger("osprey.workers")


def _warm_up(shared: str) -> None:
    """Import the processing code once per worker, not on the first request, and share the pool's folder."""
    import proxy.process.catalog  # noqa: F401
    from proxy.process.doc import shared_pdfs

    shared_pdfs.use(Path(shared))


def _timed_call(fn: Callable[..., T], *args: Any) -> tuple[float, T, float]:
    """Runs in the worker: the result between the wall-clock times the job started and ended there, so
    the server can tell time spent queued from time spent working."""
    started = time.time()
    result = fn(*args)
    return started, result, time.time()


class WorkerPool:
    """Runs pure functions in `workers` processes, with at most `max_pending` jobs queued or running."""

    def __init__(self, workers: int, max_pending: int, timeout_s: float, metrics: Metrics | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.max_pending = max_pending
        self.timeout_s = timeout_s
        self.metrics = metrics or Metrics()
        self.pending = 0
        # Jobs handed to the executor and not finished, a timed-out one included: it still holds a worker.
        self._submitted = 0
        self._lock = threading.Lock()  # done-callbacks run on the executor's own thread
        # The workers' shared scratch folder (converted PDFs), private to this user, gone with the pool.
        self.shared = tempfile.mkdtemp(prefix="osprey-workers-")
        self._executor = self._new_executor()

    @property
    def busy(self) -> int:
        """Workers running a job."""
        return min(self._submitted, self.workers)

    @property
    def queued(self) -> int:
        """Jobs waiting for a free worker."""
        return max(0, self._submitted - self.workers)

    def _new_executor(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(self.workers, mp_context=context, initializer=_warm_up, initargs=(self.shared,))

    async def start(self) -> None:
        """Spawn and warm every worker now (one job each), so the first requests do not pay for it."""
        jobs = [self._executor.submit(_warm_up, self.shared) for _ in range(self.workers)]
        await asyncio.gather(*map(asyncio.wrap_future, jobs))

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in a worker; busy → 503, too slow → 503 (the worker is not interrupted)."""
        if self.pending >= self.max_pending:
            self.metrics.rejections.labels("busy").inc()
            raise OssError(  # S3's code for "back off": SDKs retry it with backoff
                503, "SlowDown",
                f"{self.pending} processing jobs are already queued (limits.max_concurrency); retry later.",
            )
        self.pending += 1
        try:
            submitted = time.time()
            future = self._executor.submit(_timed_call, fn, *args)
            self._track(future)
            started, result, ended = await asyncio.wait_for(asyncio.wrap_future(future), self.timeout_s)
            observe_stage(self.metrics, "queue", max(0.0, started - submitted))
            observe_stage(self.metrics, "process", max(0.0, ended - started))
            return result
        except TimeoutError:
            self.metrics.rejections.labels("timeout").inc()
            raise OssError(
                503, "ServiceUnavailable",
                f"Processing took longer than {self.timeout_s:g} s (limits.timeout_s).",
            ) from None
        except BrokenProcessPool:
            log.error("a worker process died (out of memory or killed); starting a new pool")
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._new_executor()
            raise OssError(503, "ServiceUnavailable", "A processing worker died; retry the request.") from None
        finally:
            self.pending -= 1

    def _track(self, future: Future[Any]) -> None:
        with self._lock:
            self._submitted += 1
        future.add_done_callback(self._untrack)

    def _untrack(self, _future: Future[Any]) -> None:
        with self._lock:
            self._submitted -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self.shared, ignore_errors=True)
