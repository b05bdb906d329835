"""What the verifiers read and return: a framework-free request description and the verified identity."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from proxy.auth.signing import decode_query_component

Scheme = Literal["aws-sigv2", "aws-sigv4", "oss-v1", "oss-v2", "oss-v4"]


@dataclass(frozen=True)
class SignedRequest:
    """One request as it arrived: the path and query still percent-encoded, exactly as on the wire."""

    method: str
    host: str  # the Host the client addressed (SigV4 signs it)
    raw_path: str
    raw_query: str
    # May be a multidict: the values of a repeated header are joined with "," as every signer does.
    headers: Mapping[str, str]
    # What the front resolved: OSS signs `/<bucket>/<key>` whatever the addressing style.
    bucket: str
    key: str

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup."""
        return self._headers.get(name.lower())

    def headers_where(self, wanted: frozenset[str], prefix: str) -> list[tuple[str, str]]:
        """Lower-cased (name, value) pairs whose name is in `wanted` or starts with `prefix`, sorted by name."""
        return sorted((n, v) for n, v in self._headers.items() if n in wanted or n.startswith(prefix))

    def unsigned_headers(self, covered: Callable[[str], bool]) -> frozenset[str]:
        """The lower-cased names of the headers sent that a signature covering `covered` names leaves out."""
        return frozenset(name for name in self._headers if not covered(name))

    @cached_property
    def _headers(self) -> dict[str, str]:
        return joined_headers(self.headers.items())

    @cached_property
    def query(self) -> tuple[tuple[str, str], ...]:
        """Decoded (name, value) pairs in wire order; a bare `name` has the value ""."""
        return tuple((name, value or "") for name, value in self.query_as_sent)

    @cached_property
    def query_as_sent(self) -> tuple[tuple[str, str | None], ...]:
        """As `query`, but a bare `name` has the value None: AWS V2 signs `versionId=` and `acl` as sent."""
        pairs: list[tuple[str, str | None]] = []
        for part in self.raw_query.split("&"):
            if part:
                name, sep, value = part.partition("=")
                pairs.append((decode_query_component(name), decode_query_component(value) if sep else None))
        return tuple(pairs)

    def param(self, name: str) -> str | None:
        """The first decoded value of query parameter `name` (case-sensitive, as the signers emit them)."""
        return next((value for key, value in self.query if key == name), None)


@dataclass(frozen=True)
class ChunkSigner:
    """What an aws-chunked body's signature chain needs from the request that carried it."""

    signing_key: bytes
    timestamp: str
    scope: str
    seed_signature: str


@dataclass(frozen=True)
class Identity:
    """A verified caller, with what its signature did not cover so that the front can refuse to act on it."""

    access_key_id: str
    scheme: Scheme
    presigned: bool
    content_sha256: str = "UNSIGNED-PAYLOAD"  # what the client declared for the body
    chunk_signer: ChunkSigner | None = None
    # The query parameters the signature did not cover (OSS V1, AWS V2).
    unsigned_query: frozenset[str] = field(default_factory=frozenset)
    # The headers it did not cover, lower-cased.
    unsigned_headers: frozenset[str] = field(default_factory=frozenset)

    def covers(self, header: str) -> bool:
        """Whether the signature covers the header `header` (any case)."""
        return header.lower() not in self.unsigned_headers


def joined_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lower-cased names; a repeated header's values joined with "," as every signer does (and HTTP allows)."""
    joined: dict[str, list[str]] = {}
    for name, value in headers:
        joined.setdefault(name.lower(), []).append(value.strip())
    return {name: ",".join(values) for name, values in joined.items()}
