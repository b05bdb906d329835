"""What the local object API (`local_api`, `local_multipart`) asks of the directory it works on."""

from __future__ import annotations

from collections.abc import AsyncIterable
from datetime import datetime
from pathlib import Path
from typing import Protocol

from proxy.upstream.objects import Conditions, ObjectMeta, ObjectStream, Stored


class LocalStore(Protocol):
    """A directory of buckets (`LocalUpstream`), seen by the S3 operations carried out on it."""

    async def get(self, bucket: str, key: str, conditions: Conditions | None = None) -> ObjectStream: ...

    async def head(self, bucket: str, key: str, conditions: Conditions | None = None) -> ObjectMeta: ...

    async def write(self, bucket: str, key: str, chunks: AsyncIterable[bytes], stored: Stored) -> ObjectMeta: ...

    async def delete(self, bucket: str, key: str) -> None: ...

    async def keys(self, bucket: str, prefix: str) -> list[str]: ...

    async def buckets(self) -> list[tuple[str, datetime]]: ...

    async def check_bucket(self, bucket: str) -> None: ...

    async def uploads_dir(self, bucket: str, key: str = "") -> Path: ...
