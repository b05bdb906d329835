"""The checks AWS SigV4 and OSS V4 share; they differ only in names, the key prefix and the canonical request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from proxy.auth.clock import check_skew, check_window, parse_timestamp
from proxy.auth.errors import malformed, no_valid_date, secret_for, signature_mismatch
from proxy.auth.signing import Scope, hmac_sha256, parse_scope, signatures_match, v4_string_to_sign


@dataclass(frozen=True)
class ScopedScheme:
    """One member of the family: `AWS4-HMAC-SHA256` / "AWS4" / "aws4_request" / {"s3"}, or the OSS names."""

    algorithm: str
    secret_prefix: str
    terminal: str
    services: frozenset[str]
    vendor: str  # as in "<vendor> authentication requires a valid Date."


@dataclass(frozen=True)
class Claim:
    """What the client asserts: its credential, signing time ("" if none) and signature, and (presigned) the
    lifetime."""

    credential: str
    timestamp: str
    signature: str
    lifetime_s: int | None = None


@dataclass(frozen=True)
class Verified:
    """The checked scope, and the key derived for it (aws-chunked bodies keep signing with it)."""

    scope: Scope
    signing_key: bytes


def _scope_of(scheme: ScopedScheme, credential: str, field: str) -> Scope:
    scope = parse_scope(credential)
    if scope is None or scope.terminal != scheme.terminal or scope.service not in scheme.services:
        raise malformed(
            f"The credential must look like <access-key-id>/<yyyymmdd>/<region>/{'|'.join(sorted(scheme.services))}"
            f"/{scheme.terminal}.",
            field,
            credential,
        )
    return scope


def verify_claim(
    scheme: ScopedScheme,
    claim: Claim,
    field: str,
    canonical_request: str,
    credentials: Mapping[str, str],
    now: datetime,
) -> Verified:
    """Credential → known key → time rules → signature; raises the OSS error for the first that fails."""
    scope = _scope_of(scheme, claim.credential, field)
    secret = secret_for(credentials, scope.access_key_id)
    signed_at = parse_timestamp(claim.timestamp)
    if signed_at is None:
        raise no_valid_date(scheme.vendor)
    if claim.timestamp[:8] != scope.date:
        raise malformed("The credential date is not the date of the signing time.", field, claim.credential)
    if claim.lifetime_s is None:
        check_skew(signed_at, claim.timestamp, now)
    else:
        check_window(signed_at, claim.lifetime_s, now)
    string_to_sign = v4_string_to_sign(scheme.algorithm, claim.timestamp, scope, canonical_request)
    signing_key = scope.signing_key(scheme.secret_prefix, secret)
    expected = hmac_sha256(signing_key, string_to_sign).hex()
    if not signatures_match(expected, claim.signature):
        raise signature_mismatch(claim.signature, string_to_sign, canonical_request)
    return Verified(scope, signing_key)
