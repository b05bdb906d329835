"""Bodies read in bounded chunks that always close their source."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from proxy.upstream.errors import upstream_bad_gateway

CHUNK_SIZE = 256 * 1024


class ChunkReader:
    """Yields exactly `length` bytes from `read(n)` (or, for `length=None`, until it returns b"") and then closes
    its source, also on an error or on `aclose`, even before the first chunk."""

    def __init__(
        self, read: Callable[[int], Awaitable[bytes]], close: Callable[[], Awaitable[None]],
        length: int | None, chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self._read, self._close = read, close
        self._remaining, self._chunk_size = length, chunk_size
        self._closed = False

    @classmethod
    def of_bytes(cls, data: bytes) -> ChunkReader:
        """A body already in memory (a small XML answer)."""
        view = memoryview(data)
        offset = 0

        async def read(size: int) -> bytes:
            nonlocal offset
            chunk = bytes(view[offset:offset + size])
            offset += len(chunk)
            return chunk

        async def close() -> None:
            view.release()

        return cls(read, close, len(data))

    def __aiter__(self) -> ChunkReader:
        return self

    async def __anext__(self) -> bytes:
        if self._remaining is not None and self._remaining <= 0:
            await self.aclose()
            raise StopAsyncIteration
        wanted = self._chunk_size if self._remaining is None else min(self._chunk_size, self._remaining)
        try:
            chunk = await self._read(wanted)
        except BaseException:
            await self.aclose()
            raise
        if not chunk:
            await self.aclose()
            if self._remaining is None:
                raise StopAsyncIteration
            raise upstream_bad_gateway(f"the object body ended {self._remaining} bytes early")
        if self._remaining is not None:
            self._remaining -= len(chunk)
        return chunk

    # Closes even a reader never started, which a bare async generator cannot promise (its `finally` would not run).
    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._close()
