"""AWS Signature Version 4 for S3, in the Authorization header or as a presigned URL (`X-Amz-*`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from proxy.auth.clock import TIMESTAMP_FORMAT, parse_amz_expires
from proxy.auth.errors import headers_not_signed, malformed, missing_parameters
from proxy.auth.request import ChunkSigner, Identity, SignedRequest
from proxy.auth.scoped_hmac import Claim, ScopedScheme, verify_claim
from proxy.auth.signing import canonical_query, parse_auth_params
from proxy.httpdate import parse_http_date

ALGORITHM = "AWS4-HMAC-SHA256"
SCHEME = ScopedScheme(ALGORITHM, "AWS4", "aws4_request", frozenset({"s3"}), "AWS")
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = frozenset({"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"})
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
PAYLOAD_LITERALS = frozenset({UNSIGNED_PAYLOAD, STREAMING_UNSIGNED_TRAILER, *STREAMING_SIGNED})
PRESIGN_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders")
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def verify_header(
    request: SignedRequest,
    authorization: str,
    credentials: Mapping[str, str],
    now: datetime,
) -> Identity:
    """`Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`."""
    params = parse_auth_params(authorization[len(ALGORITHM) :])
    credential, signed, signature = (params.get(name) for name in ("Credential", "SignedHeaders", "Signature"))
    if not (credential and signed and signature):
        raise malformed(
            "The Authorization header needs Credential, SignedHeaders and Signature.",
            "Authorization",
            authorization,
        )
    payload = _content_sha256(request.header("x-amz-content-sha256"))
    date = "x-amz-date" if request.header("x-amz-date") is not None else "date"
    names = _require_signed(signed, {"host", "x-amz-content-sha256", date})
    canonical = canonical_request(request, signed, payload, request.query)
    claim = Claim(credential, _signing_time(request), signature)
    verified = verify_claim(SCHEME, claim, "Authorization", canonical, credentials, now)
    unsigned = request.unsigned_headers(lambda name: name in names)
    signer = None
    if payload in STREAMING_SIGNED:
        signer = ChunkSigner(verified.signing_key, claim.timestamp, verified.scope.path, signature)
    return Identity(verified.scope.access_key_id, "aws-sigv4", False, payload, signer, unsigned_headers=unsigned)


def verify_presigned(request: SignedRequest, credentials: Mapping[str, str], now: datetime) -> Identity:
    """`?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=…&X-Amz-Signature=…`; the body is never signed."""
    values = [request.param(name) for name in (*PRESIGN_PARAMS, "X-Amz-Signature")]
    algorithm, credential, timestamp, expires, signed, signature = values
    if not (algorithm and credential and timestamp and expires and signed and signature):
        raise missing_parameters(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
            "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
        )
    if algorithm != ALGORITHM:
        raise malformed(f'X-Amz-Algorithm only supports "{ALGORITHM}".', "X-Amz-Algorithm", algorithm)
    payload = _content_sha256(request.param("X-Amz-Content-Sha256") or UNSIGNED_PAYLOAD)
    names = _require_signed(signed, {"host"})
    pairs = [(name, value) for name, value in request.query if name != "X-Amz-Signature"]
    canonical = canonical_request(request, signed, payload, pairs)
    claim = Claim(credential, timestamp, signature, parse_amz_expires(expires))
    verified = verify_claim(SCHEME, claim, "X-Amz-Credential", canonical, credentials, now)
    unsigned = request.unsigned_headers(lambda name: name in names)
    return Identity(verified.scope.access_key_id, "aws-sigv4", True, payload, unsigned_headers=unsigned)


def _require_signed(signed_headers: str, required: set[str]) -> frozenset[str]:
    """The signed header names, which S3 requires to include `host` (else a signature replays against any
    bucket by changing Host) and, in the header form, the date and payload hash."""
    names = frozenset(signed_headers.split(";"))
    if missing := required - names:
        raise headers_not_signed(missing)
    return names


def canonical_request(
    request: SignedRequest,
    signed_headers: str,
    payload: str,
    query: Iterable[tuple[str, str]],
) -> str:
    """S3 rules: the path exactly as sent (S3 does not encode it twice), the query re-encoded and sorted,
    only the listed headers with their whitespace collapsed, and the declared payload hash."""
    headers = "".join(f"{name}:{_header_value(request, name)}\n" for name in signed_headers.split(";"))
    return "\n".join(
        [
            request.method.upper(),
            request.raw_path or "/",
            canonical_query(query, bare_empty=False),
            headers,
            signed_headers,
            payload,
        ]
    )


def _header_value(request: SignedRequest, name: str) -> str:
    value = request.host if name == "host" else request.header(name) or ""
    return " ".join(value.split())


def _signing_time(request: SignedRequest) -> str:
    """X-Amz-Date, else the Date header in the same basic ISO 8601 form (the spec allows either); "" if neither."""
    stamp = request.header("x-amz-date")
    if stamp is not None:
        return stamp
    date = parse_http_date(request.header("date") or "")
    return date.strftime(TIMESTAMP_FORMAT) if date else ""


def _content_sha256(value: str | None) -> str:
    """S3 requires the header and accepts only a hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-… literal."""
    if value is None or not (value in PAYLOAD_LITERALS or _HEX_SHA256.fullmatch(value)):
        raise malformed(
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING-… value or a hex SHA-256.",
            "x-amz-content-sha256",
            value or "",
        )
    return value
