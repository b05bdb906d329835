"""Concurrent HEADs of one object share one round trip to a remote store."""

from __future__ import annotations

from functools import partial
from typing import Any

from proxy.cache import SingleFlight
from proxy.upstream.interface import Upstream
from proxy.upstream.objects import Conditions, ObjectMeta


class SharedHeads:
    """`inner`, with unconditional HEADs shared by concurrent callers; every other call passes straight through.
    A local store is not wrapped: a stat costs less than sharing it."""

    def __init__(self, inner: Upstream) -> None:
        self.inner = inner
        self._flights: SingleFlight[ObjectMeta] = SingleFlight()

    async def head(self, bucket: str, key: str, conditions: Conditions | None = None) -> ObjectMeta:
        if conditions:
            return await self.inner.head(bucket, key, conditions)
        # A caller joins only a HEAD that started after it arrived, so what it learns is never older than its request.
        meta, _ = await self._flights.run_fresh((bucket, key), partial(self.inner.head, bucket, key))
        return meta

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
