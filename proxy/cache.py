"""The result cache: a byte-bounded LRU of renditions, and single-flight so a miss is computed once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedMemo(dict[K, V]):
    """Values derived from what strangers send (URLs), kept until `max_entries` and then all dropped: an LRU's
    bookkeeping on every lookup would cost more than recomputing the few entries a reset loses."""

    def __init__(self, max_entries: int) -> None:
        super().__init__()
        self.max_entries = max_entries

    def remember(self, key: K, value: V) -> None:
        if len(self) >= self.max_entries:
            self.clear()
        self[key] = value


class ByteLRU(Generic[V]):
    """An LRU bounded by the bytes of its values; one value over `max_entry_bytes` is never stored,
    so a single huge rendition cannot flush everything else."""

    def __init__(self, max_bytes: int, max_entry_bytes: int, size_of: Callable[[V], int]) -> None:
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self._size_of = size_of
        self._lru: LRUCache[Hashable, V] | None = (
            LRUCache(maxsize=max_bytes, getsizeof=size_of) if max_bytes > 0 else None
        )

    def get(self, key: Hashable) -> V | None:
        if self._lru is None:
            return None
        try:  # one lookup; cachetools' `get` makes two
            return self._lru[key]
        except KeyError:
            return None

    def put(self, key: Hashable, value: V) -> bool:
        """Store `value`; False when it is too large to keep (or the cache is off)."""
        if self._lru is None or self._size_of(value) > self.max_entry_bytes:
            return False
        self._lru[key] = value
        return True

    @property
    def bytes(self) -> int:
        return 0 if self._lru is None else int(self._lru.currsize)

    def __len__(self) -> int:
        return 0 if self._lru is None else len(self._lru)


class SingleFlight(Generic[V]):
    """Concurrent calls with the same key share one computation, its result or error reaching every waiter;
    it runs as its own task, so a waiter that goes away cancels nothing while others still wait."""

    def __init__(self) -> None:
        self._flights: dict[Hashable, asyncio.Task[V]] = {}
        self._waiting: dict[asyncio.Task[V], int] = {}

    async def run(self, key: Hashable, compute: Callable[[], Awaitable[V]]) -> tuple[V, bool]:
        """The value and whether this caller joined a computation already under way."""
        flight = self._flights.get(key)
        coalesced = flight is not None
        if flight is None:
            flight = asyncio.ensure_future(compute())
            self._flights[key] = flight
            flight.add_done_callback(lambda done: self._land(key, done))
        self._waiting[flight] = self._waiting.get(flight, 0) + 1
        try:
            return await asyncio.shield(flight), coalesced
        finally:
            left = self._waiting.pop(flight) - 1
            if left:
                self._waiting[flight] = left
            elif not flight.done():
                # The last waiter has gone (its client disconnected): a job nobody will read never takes a worker.
                flight.cancel()

    async def run_fresh(self, key: Hashable, compute: Callable[[], Awaitable[V]]) -> tuple[V, bool]:
        """`run`, but joining only a computation that starts after this call, since one under way may answer for a
        state from before the caller arrived; concurrent callers still share one computation per round."""
        earlier = self._flights.get(key)
        if earlier is not None:
            await asyncio.wait([earlier])  # its `_land` ran first (registered first): it is no longer listed
        return await self.run(key, compute)

    def _land(self, key: Hashable, flight: asyncio.Task[V]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        if not flight.cancelled():
            flight.exception()  # retrieved here, so an error nobody waited for is not logged as lost
