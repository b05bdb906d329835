"""A bounded pool of worker processes so CPU-heavy processing never runs on the event loop."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from proxy.errors import OssError

T = TypeVar("T")
log = logging.getLogger("osprey.workers")


def _warm_up() -> None:
    """Import the processing code once per worker, not on the first request."""
    import proxy.process.catalog  # noqa: F401


class WorkerPool:
    """Runs pure functions in `workers` processes, with at most `max_pending` jobs queued or running."""

    def __init__(self, workers: int, max_pending: int, timeout_s: float) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.max_pending = max_pending
        self.timeout_s = timeout_s
        self.pending = 0
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(self.workers, mp_context=context, initializer=_warm_up)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in a worker; busy → 503, too slow → 503 (the worker is not interrupted)."""
        if self.pending >= self.max_pending:
            raise OssError(
                503, "ServiceUnavailable",
                f"{self.pending} processing jobs are already queued (limits.max_concurrency); retry later.",
            )
        self.pending += 1
        try:
            future = asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
            return await asyncio.wait_for(future, self.timeout_s)
        except TimeoutError:
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

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
