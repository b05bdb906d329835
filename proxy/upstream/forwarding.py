"""Any S3 call the front passes through: the request as the upstream must carry it out, and its answer."""

from __future__ import annotations

from collections.abc import AsyncIterable, Mapping
from dataclasses import dataclass, field

from proxy.upstream.body import ChunkReader


@dataclass(frozen=True)
class ForwardRequest:
    """One S3 REST call for the upstream to carry out as it stands, re-signed with the upstream's credentials."""

    method: str
    bucket: str = ""  # "" for service-level calls
    key: str = ""  # "" for bucket-level calls
    # Decoded pairs without the client's signature parameters (a bare name has the value "").
    query: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)  # S3-spelled and already filtered
    body: AsyncIterable[bytes] | None = None  # streams exactly `content_length` bytes
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
    """A successful upstream answer: status, lower-cased headers and a body to consume or `aclose`; failures are
    raised as `OssError` instead, in the upstream's own code where it has one."""

    status: int
    headers: Mapping[str, str]
    body: ChunkReader
    content_length: int | None  # None when the upstream did not say (the front then streams chunked)

    async def aclose(self) -> None:
        await self.body.aclose()
