"""Readiness: false while starting or shutting down, else whether the upstream answered lately.

The upstream's answer is kept for `ttl_s` seconds and concurrent probes share one ping, so probes from
every replica and load balancer cost the upstream one call per replica every `ttl_s` at most.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from proxy.errors import OssError

READY_CACHE_S = 2.0


class Readiness:
    """Why the server should get no traffic right now, or None when it may."""

    def __init__(self, ttl_s: float = READY_CACHE_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.draining = False
        self.ttl_s = ttl_s
        self._clock = clock
        self._ping: Callable[[], Awaitable[None]] | None = None
        self._checked_at: float | None = None
        self._problem: str | None = None
        self._lock = asyncio.Lock()

    def watch(self, ping: Callable[[], Awaitable[None]] | None) -> None:
        """Judge the upstream by `ping` from now on (None: not started, or stopped)."""
        self._ping, self._checked_at = ping, None

    async def problem(self) -> str | None:
        if self.draining:
            return "shutting down"
        if self._ping is None:
            return "not started"
        async with self._lock:
            if self._checked_at is None or self._clock() - self._checked_at >= self.ttl_s:
                self._problem = await _ping_problem(self._ping)
                self._checked_at = self._clock()
            return self._problem


async def _ping_problem(ping: Callable[[], Awaitable[None]]) -> str | None:
    try:
        await ping()
    except OssError as err:
        return err.message
    except Exception as exc:  # a probe answers, whatever the backend raised
        return f"the upstream check failed: {type(exc).__name__}"
    return None


READINESS = web.AppKey("readiness", Readiness)
