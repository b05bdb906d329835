"""An `Upstream` that counts what it asks of another one: calls by operation and status, bytes each way.

Bodies are counted as they stream through, never buffered; a body the front abandons counts what was read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, TypeVar

from proxy.cors import CorsRule
from proxy.errors import OssError
from proxy.metrics import Metrics
from proxy.upstream.body import ChunkReader
from proxy.upstream.forwarding import ForwardRequest, ForwardResponse
from proxy.upstream.interface import Upstream
from proxy.upstream.objects import Conditions, ObjectMeta, ObjectStream, SocketBody
from proxy.upstream.operations import operation

T = TypeVar("T")


class MeteredUpstream:
    """Delegates every call to `inner`, counting `osprey_upstream_requests` and `osprey_upstream_bytes`."""

    def __init__(self, inner: Upstream, metrics: Metrics) -> None:
        self.inner = inner
        self._metrics = metrics
        self._received = metrics.upstream_bytes.labels("received")
        self._sent = metrics.upstream_bytes.labels("sent")
        self._heads_ok = self._calls("HeadObject", "200")

    async def get(self, bucket: str, key: str, conditions: Conditions | None = None) -> ObjectStream:
        stream = await self._count("GetObject", self.inner.get(bucket, key, conditions), lambda s: s.status)
        socket = stream.socket and self._counted_socket(stream.socket)
        return dataclasses.replace(stream, body=self._counted(stream.body), socket=socket)

    async def head(self, bucket: str, key: str, conditions: Conditions | None = None) -> ObjectMeta:
        # Every cache hit asks this first: one layer of calls less than `_count`, the success counter bound.
        try:
            meta = await self.inner.head(bucket, key, conditions)
        except Exception as exc:
            self._failed("HeadObject", exc)
            raise
        self._heads_ok.inc()
        return meta

    async def put(
        self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream",
        metadata: Mapping[str, str] | None = None,
    ) -> str:
        etag = await self._count("PutObject", self.inner.put(bucket, key, data, content_type, metadata))
        self._sent.inc(len(data))
        return etag

    async def forward(self, request: ForwardRequest) -> ForwardResponse:
        name = operation(request.method, request.bucket, request.key, [n for n, _ in request.query],
                         request.header("x-amz-copy-source") is not None)
        if request.body is not None:
            request = dataclasses.replace(request, body=self._sending(request.body))
        answer = await self._count(name, self.inner.forward(request), lambda a: a.status)
        answer.body = self._counted(answer.body)
        return answer

    async def cors_rules(self, bucket: str) -> tuple[CorsRule, ...]:
        return await self._count("GetBucketCors", self.inner.cors_rules(bucket))

    async def ping(self) -> None:
        await self._count("Ping", self.inner.ping())

    async def close(self) -> None:
        await self.inner.close()

    async def _count(self, name: str, call: Awaitable[T], status_of: Callable[[T], int] = lambda _: 200) -> T:
        try:
            result = await call
        except Exception as exc:
            self._failed(name, exc)
            raise
        self._calls(name, str(status_of(result))).inc()
        return result

    def _failed(self, name: str, exc: Exception) -> None:
        self._calls(name, str(exc.status) if isinstance(exc, OssError) else "error").inc()

    def _calls(self, name: str, status: str) -> Any:
        return self._metrics.child(self._metrics.upstream_requests, name, status)

    def _counted_socket(self, body: SocketBody) -> SocketBody:
        """The same socket; the bytes it had buffered and those relayed count as received."""

        def take() -> tuple[bytes, int]:
            buffered, fd = body.take()
            self._received.inc(len(buffered))
            return buffered, fd

        def close(relayed: int) -> None:
            self._received.inc(relayed)
            body.close(relayed)

        return SocketBody(take, close)

    def _counted(self, body: AsyncIterator[bytes]) -> ChunkReader:
        """The same chunks, counted; closing it closes `body` (even if it was never read)."""

        async def read(_size: int) -> bytes:
            while True:
                try:
                    chunk = await anext(body)
                except StopAsyncIteration:
                    return b""
                if chunk:  # an empty chunk would read as the end
                    self._received.inc(len(chunk))
                    return chunk

        async def close() -> None:
            closer = getattr(body, "aclose", None)
            if closer is not None:
                await closer()

        return ChunkReader(read, close, None)

    async def _sending(self, body: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
        async for chunk in body:
            self._sent.inc(len(chunk))
            yield chunk
