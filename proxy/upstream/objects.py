"""What a backend says about objects: their metadata, what a write stores, and a GET's answer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Conditions:
    """The client's `Range` and conditional headers, passed to the upstream untouched; `checksum_mode`: it
    sent `x-amz-checksum-mode: ENABLED`, asking for the object's checksums in the answer."""

    range: str | None = None
    if_none_match: str | None = None
    if_modified_since: str | None = None
    if_match: str | None = None
    if_unmodified_since: str | None = None
    checksum_mode: bool = False

    def __bool__(self) -> bool:
        """Whether the client sent any of them."""
        return any((self.range, self.if_none_match, self.if_modified_since, self.if_match, self.if_unmodified_since,
                    self.checksum_mode))


# Headers an object is stored with that ObjectMeta has no field for; a client may rely on them.
STORED_HEADERS = ("cache-control", "content-disposition", "content-encoding", "content-language", "expires")
# What an S3 GET or HEAD answer says about the object (or the version read) beyond that, all read by SDKs:
# checksums, storage and restore state, encryption, tags, versions, retention, replication, lifecycle, parts.
DESCRIBING_HEADERS = (
    "x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-crc64nvme", "x-amz-checksum-sha1",
    "x-amz-checksum-sha256", "x-amz-checksum-type", "x-amz-storage-class", "x-amz-restore", "x-amz-archive-status",
    "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-bucket-key-enabled", "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-server-side-encryption-customer-key-md5", "x-amz-tagging-count", "x-amz-website-redirect-location",
    "x-amz-version-id", "x-amz-delete-marker", "x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date",
    "x-amz-object-lock-legal-hold", "x-amz-replication-status", "x-amz-expiration", "x-amz-mp-parts-count",
    "x-amz-missing-meta", "x-amz-request-charged",
)


@dataclass(frozen=True)
class ObjectMeta:
    """What an upstream knows about one object; `etag` keeps its quotes as S3 sends it; `headers`, lower-cased,
    are its `STORED_HEADERS` and (from S3) `DESCRIBING_HEADERS`."""

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
    """A GET answer: status 200, 206 or 304, the object's metadata and its body chunks. The body must be
    consumed or closed (`aclose`) so the connection returns to the pool."""

    status: int
    meta: ObjectMeta
    content_length: int  # of this answer's body
    body: AsyncIterator[bytes]
    content_range: str | None = None  # set for 206
    socket: SocketBody | None = None  # the same body as a socket, when the front may relay it without copies

    async def aclose(self) -> None:
        closer = getattr(self.body, "aclose", None)
        if closer is not None:
            await closer()


@dataclass(frozen=True)
class SocketBody:
    """The rest of an answer's body as a plain TCP socket, for a zero-copy relay instead of `body`; the
    connection is dropped afterwards, never reused, since its stream position is the caller's."""
    # `take()` stops the HTTP client reading and returns the body bytes it had already buffered and a duplicate
    # of the socket's descriptor, positioned at the next body byte (the caller closes it). `close(relayed)`
    # must follow once the caller is done; `relayed` is how many bytes it moved past the buffered ones.

    take: Callable[[], tuple[bytes, int]]
    close: Callable[[int], None]
