"""The upstream interface every backend implements, and the errors it raises."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import lru_cache
from typing import Protocol

from proxy.errors import OssError


@dataclass(frozen=True)
class Conditions:
    """The client's `Range` and conditional headers, passed to the upstream untouched."""

    range: str | None = None
    if_none_match: str | None = None
    if_modified_since: str | None = None
    if_match: str | None = None
    if_unmodified_since: str | None = None

    def __bool__(self) -> bool:
        """Whether the client sent any of them."""
        return any((self.range, self.if_none_match, self.if_modified_since, self.if_match, self.if_unmodified_since))


# Headers an object is stored with that ObjectMeta has no field for; a client may rely on them.
STORED_HEADERS = ("cache-control", "content-disposition", "content-encoding", "content-language", "expires")


@dataclass(frozen=True)
class ObjectMeta:
    """What an upstream knows about one object; `etag` keeps its quotes as S3 sends it."""

    size: int
    etag: str
    last_modified: datetime
    content_type: str = "application/octet-stream"
    metadata: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stored:
    """What a write stores beside the bytes: content type, user metadata and the `STORED_HEADERS`."""

    content_type: str = "application/octet-stream"
    metadata: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ObjectStream:
    """A GET answer: status 200, 206 or 304, the object's metadata and its body chunks.

    `content_length` is the length of this answer's body; `content_range` is set for 206.
    The body must be consumed or closed (`aclose`) so the connection returns to the pool.
    """

    status: int
    meta: ObjectMeta
    content_length: int
    body: AsyncIterator[bytes]
    content_range: str | None = None
    socket: SocketBody | None = None  # the same body as a socket, when the front may relay it without copies

    async def aclose(self) -> None:
        closer = getattr(self.body, "aclose", None)
        if closer is not None:
            await closer()


CHUNK_SIZE = 256 * 1024


@dataclass(frozen=True)
class SocketBody:
    """The rest of an answer's body as a plain TCP socket, for a zero-copy relay instead of `body`.

    `take()` stops the HTTP client reading and returns the body bytes it had already buffered and a
    duplicate of the socket's descriptor, positioned at the next body byte (the caller closes it).
    `close(relayed)` must follow once the caller is done: the connection is dropped, never reused, since its
    stream position is the caller's; `relayed` is how many bytes the caller moved past the buffered ones.
    """

    take: Callable[[], tuple[bytes, int]]
    close: Callable[[int], None]


class ChunkReader:
    """Yields exactly `length` bytes from `read(n)` (or, for `length=None`, until it returns b"") and then
    closes its source.

    The source is also closed on an error or on `aclose`, even before the first chunk, which a bare
    async generator cannot promise (its `finally` never runs if it was never started).
    """

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

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._close()


@dataclass(frozen=True)
class ForwardRequest:
    """One S3 REST call for the upstream to carry out as it stands, re-signed with the upstream's credentials.

    `bucket` is "" for service-level calls and `key` "" for bucket-level ones; `query` holds decoded pairs
    without the client's signature parameters (a bare name has the value ""); `headers` are S3-spelled and
    already filtered; `body` streams exactly `content_length` bytes.
    """

    method: str
    bucket: str = ""
    key: str = ""
    query: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    body: AsyncIterable[bytes] | None = None
    content_length: int = 0

    def param(self, name: str) -> str | None:
        """The first value of query parameter `name`, or None when absent."""
        return next((value for key, value in self.query if key == name), None)

    def header(self, name: str) -> str | None:
        """Case-insensitive lookup in `headers`."""
        name = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == name), None)


@dataclass
class ForwardResponse:
    """A successful upstream answer: status, lower-cased headers and a body to consume or `aclose`.

    `content_length` is None when the upstream did not say (the front then streams chunked).
    Failures are raised as `OssError` instead, in the upstream's own code where it has one.
    """

    status: int
    headers: Mapping[str, str]
    body: ChunkReader
    content_length: int | None

    async def aclose(self) -> None:
        await self.body.aclose()


async def read_capped(
    upstream: Upstream, bucket: str, key: str, max_bytes: int
) -> tuple[ObjectMeta, bytes]:
    """`Upstream.read` for any backend: the size is judged from the GET's headers, before the body."""
    stream = await upstream.get(bucket, key)
    if stream.content_length > max_bytes:
        await stream.aclose()
        raise source_too_large(stream.content_length, max_bytes)
    return stream.meta, b"".join([chunk async for chunk in stream.body])


class Upstream(Protocol):
    """One bucket store. Errors are `OssError` (see the helpers below)."""

    # True when `head` answers from this host without a round trip (a stat): sharing one between concurrent
    # requests would cost more than it saves.
    local_heads: bool

    async def get(self, bucket: str, key: str, conditions: Conditions | None = None) -> ObjectStream:
        """Stream an object; answers 304 / 412 / 416 through the status or `OssError`."""
        ...

    async def head(self, bucket: str, key: str, conditions: Conditions | None = None) -> ObjectMeta:
        """Metadata of an object (raises `not_modified` on a matching If-None-Match)."""
        ...

    async def read(self, bucket: str, key: str, max_bytes: int) -> tuple[ObjectMeta, bytes]:
        """The whole object in memory, refused with `source_too_large` past `max_bytes`."""
        ...

    async def put(
        self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream",
        metadata: Mapping[str, str] | None = None,
    ) -> str:
        """Store an object and return its quoted ETag."""
        ...

    async def create_bucket(self, bucket: str) -> None:
        """Create a bucket (tests and the demo use it)."""
        ...

    async def forward(self, request: ForwardRequest) -> ForwardResponse:
        """Carry out any other S3 call (put, copy, delete, list, multipart…) and stream its answer.

        A backend that cannot do an operation raises `unsupported_operation`.
        """
        ...

    async def ping(self) -> None:
        """Raise `upstream_unavailable` unless the store answers."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def not_modified(meta: ObjectMeta) -> OssError:
    """Not an error for the client: the front turns it into a bare 304 with the validators."""
    err = OssError(304, "NotModified", "Not Modified")
    err.extra = {"ETag": meta.etag, "Last-Modified": http_date(meta.last_modified)}
    return err


def precondition_failed() -> OssError:
    return OssError(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.")


def invalid_range(size: int | None) -> OssError:
    """416; `size` is None when the upstream did not say how large the object is."""
    known = "" if size is None else f"; the object has {size} bytes"
    return OssError(416, "InvalidRange", f"The requested range is not satisfiable{known}.")


def source_too_large(size: int, max_bytes: int) -> OssError:
    return OssError(
        400, "ImageTooLarge",
        f"The source object has {size} bytes, more than the {max_bytes} bytes allowed for processing "
        "(limits.max_source_bytes; limits.max_media_source_bytes for video and audio).",
        "0040-00000009",
    )


def unsupported_operation(operation: str, backend: str) -> OssError:
    return OssError(501, "NotImplemented", f"{operation} is not supported by the {backend} upstream.")


def changed_while_read(key: str) -> OssError:
    """The object was overwritten between reading its ETag and its bytes: the client should retry."""
    return OssError(503, "ServiceUnavailable", f"{key!r} changed while it was read; retry the request.")


def upstream_unavailable(detail: str) -> OssError:
    return OssError(503, "ServiceUnavailable", f"The upstream store is unavailable: {detail}. Retry later.")


def upstream_bad_gateway(detail: str) -> OssError:
    return OssError(502, "BadGateway", f"The upstream store gave an unexpected answer: {detail}.")


def upstream_timeout(detail: str) -> OssError:
    return OssError(504, "GatewayTimeout", f"The upstream store did not answer in time: {detail}.")


@lru_cache(maxsize=1024)
def http_date(when: datetime) -> str:
    """RFC 1123 date as HTTP headers carry it; any aware datetime (botocore's `tzutc` too). Remembered:
    the same few objects' dates are formatted on every response about them."""
    return format_datetime(when.astimezone(UTC), usegmt=True)
