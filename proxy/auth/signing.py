"""Primitives every scheme shares: encoding, hashing, the V4 key chain and scope, and signature comparison."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote_plus

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNRESERVED = "-_.~"  # with A-Z a-z 0-9, the RFC 3986 characters every V4 scheme leaves unescaped


def to_bytes(text: str) -> bytes:
    """UTF-8, keeping any undecodable bytes a client percent-encoded exactly as they were."""
    return text.encode("utf-8", "surrogateescape")


def decode_query_component(text: str) -> str:
    """%XX escapes, and `+` as a space: python-requests (so oss2) form-encodes query values, and S3 and OSS agree."""
    return unquote_plus(text, errors="surrogateescape")


def uri_encode(text: str, safe: str = "") -> str:
    """RFC 3986 encoding as the V4 schemes define it: unreserved characters (plus `safe`) kept, the rest %XX."""
    return quote(text, safe=UNRESERVED + safe, errors="surrogateescape")


def canonical_query(pairs: Iterable[tuple[str, str]], *, bare_empty: bool) -> str:
    """Names and values encoded, sorted by encoded name then value; OSS V4 writes an empty value as a bare name."""
    encoded = sorted((uri_encode(name), uri_encode(value)) for name, value in pairs)
    return "&".join(name if bare_empty and not value else f"{name}={value}" for name, value in encoded)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hmac_sha256(key: bytes, message: str | bytes) -> bytes:
    return hmac.new(key, to_bytes(message) if isinstance(message, str) else message, hashlib.sha256).digest()


def hmac_sha1(key: str, message: str) -> bytes:
    return hmac.new(to_bytes(key), to_bytes(message), hashlib.sha1).digest()


def signatures_match(expected: str, provided: str) -> bool:
    """Constant-time comparison, so a forger cannot learn the signature byte by byte from response times."""
    return hmac.compare_digest(to_bytes(expected), to_bytes(provided))


@dataclass(frozen=True)
class Scope:
    """The `<ak>/<date>/<region>/<service>/<terminal>` credential of AWS SigV4 and OSS V4."""

    access_key_id: str
    date: str
    region: str
    service: str
    terminal: str

    @property
    def path(self) -> str:
        """The scope as it appears in the string to sign (without the access key id)."""
        return f"{self.date}/{self.region}/{self.service}/{self.terminal}"

    def signing_key(self, secret_prefix: str, secret: str) -> bytes:
        """HMAC chain date → region → service → terminal, seeded with e.g. "AWS4" + secret."""
        key = to_bytes(secret_prefix + secret)
        for part in (self.date, self.region, self.service, self.terminal):
            key = hmac_sha256(key, part)
        return key


def parse_scope(credential: str) -> Scope | None:
    """Split a credential; None when it does not have the five parts."""
    parts = credential.rsplit("/", 4)
    if len(parts) != 5 or not all(parts):
        return None
    return Scope(*parts)


def v4_string_to_sign(algorithm: str, timestamp: str, scope: Scope, canonical_request: str) -> str:
    """The string to sign shared by AWS SigV4 and OSS V4: only the algorithm name differs."""
    return f"{algorithm}\n{timestamp}\n{scope.path}\n{sha256_hex(to_bytes(canonical_request))}"


def parse_auth_params(text: str, separator: str = "=") -> dict[str, str]:
    """`A=1, B=2` or `A=1,B=2` → {"A": "1", "B": "2"} (OSS V2 writes `A:1,B:2`: `separator` ":")."""
    params = {}
    for item in text.split(","):
        name, sep, value = item.strip().partition(separator)
        if sep:
            params[name] = value.strip()
    return params


def oss_resource(bucket: str, key: str) -> str:
    """What OSS signs for the object, whatever the addressing style: `/`, `/<bucket>/` or `/<bucket>/<key>`."""
    return f"/{bucket}/{key}" if bucket else "/"
