"""The one interface the front uses, whichever store is behind it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from proxy.cors import CorsRule
from proxy.upstream.errors import source_too_large
from proxy.upstream.forwarding import ForwardRequest, ForwardResponse
from proxy.upstream.objects import Conditions, ObjectMeta, ObjectStream


class Upstream(Protocol):
    """One bucket store, as the front calls it. Errors are `OssError` (see `proxy.upstream.errors`)."""

    async def get(self, bucket: str, key: str, conditions: Conditions | None = None) -> ObjectStream:
        """Stream an object; answers 304 / 412 / 416 through the status or `OssError`."""
        ...

    async def head(self, bucket: str, key: str, conditions: Conditions | None = None) -> ObjectMeta:
        """Metadata of an object (raises `not_modified` on a matching If-None-Match)."""
        ...

    async def put(
        self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream",
        metadata: Mapping[str, str] | None = None,
    ) -> str:
        """Store an object and return its quoted ETag."""
        ...

    async def forward(self, request: ForwardRequest) -> ForwardResponse:
        """Carry out any other S3 call (put, copy, delete, list, multipart…) and stream its answer; a backend that
        cannot do an operation raises `unsupported_operation`."""
        ...

    async def cors_rules(self, bucket: str) -> tuple[CorsRule, ...]:
        """The bucket's own CORS configuration; () when it has none (NoSuchCORSConfiguration)."""
        ...

    async def ping(self) -> None:
        """Raise `upstream_unavailable` unless the store answers."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


async def read_capped(
    upstream: Upstream, bucket: str, key: str, max_bytes: int
) -> tuple[ObjectMeta, bytes]:
    """The whole object in memory, from any backend; the size is judged from the GET's headers, before the body."""
    stream = await upstream.get(bucket, key)
    if stream.content_length > max_bytes:
        await stream.aclose()
        raise source_too_large(stream.content_length, max_bytes)
    return stream.meta, b"".join([chunk async for chunk in stream.body])
