"""Uploads of unknown length (plain `Transfer-Encoding: chunked`, aws-chunked without a decoded length): held
in a temporary file until they end and every check holds, then sent on with the exact length upstreams need.

The file is anonymous (unlinked as it is made, readable by this process alone), so no outcome, a crash
included, leaves anything behind in the spool folder; its descriptor closes with the body it becomes.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterable
from typing import IO

from proxy.upstream.body import ChunkReader


async def spooled(chunks: AsyncIterable[bytes], folder: str | None) -> tuple[ChunkReader, int]:
    """`chunks` written whole to a temporary file in `folder` (None: the system's), then that file as a body."""
    file = await asyncio.to_thread(tempfile.TemporaryFile, dir=folder)
    try:
        async for chunk in chunks:
            await asyncio.to_thread(file.write, chunk)
        length = await asyncio.to_thread(_rewind, file)
    except BaseException:
        await asyncio.to_thread(file.close)
        raise

    async def read(size: int) -> bytes:
        return await asyncio.to_thread(file.read, size)

    async def close() -> None:
        await asyncio.to_thread(file.close)

    return ChunkReader(read, close, length), length


def _rewind(file: IO[bytes]) -> int:
    length = file.tell()
    file.seek(0)
    return length
