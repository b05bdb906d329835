"""Any S3 call the front passes through: the request as the upstream must carry it out, and its answer."""

from __future__ import annotations

from collections.abc import AsyncIterable, Mapping
from dataclasses import dataclass, field

from proxy.upstream.body import ChunkReader


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
