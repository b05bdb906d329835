"""The optional shared (L2) result cache: renditions stored as objects on the upstream, so replicas
compute each one once. Keys hash the bucket, key and rendition ETag (which folds in the source ETag and
the canonical chain), so a new source or chain never meets an old entry. Size and age: entries larger
than `cache.max_entry_bytes` are not written; entries older than `cache.l2_max_age_s` (0: no limit) are
recomputed and overwritten; removing old objects is left to the upstream's lifecycle rules on the prefix."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from proxy.config import CacheConfig
from proxy.errors import OssError
from proxy.process.output import Output
from proxy.upstream.interface import Upstream, read_capped

log = logging.getLogger("osprey.cache")


class SharedCache:
    """Read-through and write-back of renditions in `cache.l2_bucket` under `cache.l2_prefix`."""

    def __init__(self, upstream: Upstream, config: CacheConfig) -> None:
        self.upstream = upstream
        self.bucket = config.l2_bucket
        self.prefix = config.l2_prefix
        self.max_age_s = config.l2_max_age_s
        self.max_entry_bytes = config.max_entry_bytes

    def object_key(self, bucket: str, key: str, etag: str) -> str:
        return self.prefix + hashlib.sha256(f"{bucket}\n{key}\n{etag}".encode()).hexdigest()

    async def get(self, bucket: str, key: str, etag: str) -> Output | None:
        """The stored rendition, or None when absent, too old or unreadable (never an error for the client)."""
        try:
            where = self.object_key(bucket, key, etag)
            meta, body = await read_capped(self.upstream, self.bucket, where, self.max_entry_bytes)
        except OssError as err:
            if err.code not in ("NoSuchKey", "ImageTooLarge"):
                log.warning("L2 cache read failed, computing instead: %s", err.message)
            return None
        age = (datetime.now(UTC) - meta.last_modified).total_seconds()
        if self.max_age_s and age > self.max_age_s:
            return None
        return Output(body, meta.content_type)

    async def put(self, bucket: str, key: str, etag: str, output: Output) -> None:
        """Store a rendition; a failure is logged, never passed to the client."""
        if len(output.body) > self.max_entry_bytes:
            return
        try:
            await self.upstream.put(self.bucket, self.object_key(bucket, key, etag), output.body, output.media_type)
        except OssError as err:
            log.warning("L2 cache write failed: %s", err.message)
