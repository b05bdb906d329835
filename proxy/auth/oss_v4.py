"""OSS signature V4 (`OSS4-HMAC-SHA256`), in the Authorization header or as a presigned URL (`x-oss-*`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from proxy.auth.clock import parse_expires
from proxy.auth.errors import malformed, missing_parameters
from proxy.auth.request import Identity, SignedRequest
from proxy.auth.scoped_hmac import Claim, ScopedScheme, verify_claim
from proxy.auth.signing import canonical_query, oss_resource, parse_auth_params, uri_encode

ALGORITHM = "OSS4-HMAC-SHA256"
SCHEME = ScopedScheme(ALGORITHM, "aliyun_v4", "aliyun_v4_request", frozenset({"oss", "oss-cloudbox"}), "OSS")
DEFAULT_SIGNED_HEADERS = frozenset({"content-type", "content-md5"})
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


def verify_header(
    request: SignedRequest,
    authorization: str,
    credentials: Mapping[str, str],
    now: datetime,
) -> Identity:
    """`Authorization: OSS4-HMAC-SHA256 Credential=…[,AdditionalHeaders=…],Signature=…` (commas ± spaces)."""
    params = parse_auth_params(authorization[len(ALGORITHM) :])
    credential, signature = params.get("Credential"), params.get("Signature")
    if not (credential and signature):
        raise malformed("The Authorization header needs Credential and Signature.", "Authorization", authorization)
    additional = params.get("AdditionalHeaders", "")
    canonical = canonical_request(request, additional, request.query)
    claim = Claim(credential, request.header("x-oss-date") or "", signature)
    verified = verify_claim(SCHEME, claim, "Authorization", canonical, credentials, now)
    return Identity(verified.scope.access_key_id, "oss-v4", False, _payload(request),
                    unsigned_headers=_unsigned_headers(request, additional))


def verify_presigned(request: SignedRequest, credentials: Mapping[str, str], now: datetime) -> Identity:
    """`?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=…&x-oss-expires=…&x-oss-signature=…`."""
    version = request.param("x-oss-signature-version")
    if version != ALGORITHM:
        raise malformed(f"x-oss-signature-version must be {ALGORITHM}.", "x-oss-signature-version", version or "")
    credential, signature = request.param("x-oss-credential"), request.param("x-oss-signature")
    if not (credential and signature):
        raise missing_parameters("A V4 signed URL needs x-oss-credential and x-oss-signature.")
    expires = request.param("x-oss-expires")
    if expires is None:
        raise missing_parameters("A V4 signed URL needs x-oss-expires.", "0002-00000215")
    pairs = [(name, value) for name, value in request.query if name != "x-oss-signature"]
    additional = request.param("x-oss-additional-headers") or ""
    canonical = canonical_request(request, additional, pairs)
    claim = Claim(credential, request.param("x-oss-date") or "", signature, parse_expires(expires, "x-oss-expires"))
    verified = verify_claim(SCHEME, claim, "x-oss-credential", canonical, credentials, now)
    return Identity(verified.scope.access_key_id, "oss-v4", True, _payload(request),
                    unsigned_headers=_unsigned_headers(request, additional))


def canonical_request(request: SignedRequest, additional_headers: str, query: Iterable[tuple[str, str]]) -> str:
    """auth §8.3: `/<bucket>/<key>` encoded but for `/`, every query parameter, content-type/-md5, every
    `x-oss-*` header and the additional ones; defaults are dropped from the additional list, which is sorted."""
    additional = _additional(additional_headers)
    headers = request.headers_where(DEFAULT_SIGNED_HEADERS | frozenset(additional), "x-oss-")
    return "\n".join(
        [
            request.method.upper(),
            uri_encode(oss_resource(request.bucket, request.key), safe="/"),
            canonical_query(query, bare_empty=True),
            "".join(f"{name}:{value}\n" for name, value in headers),
            ";".join(additional),
            _payload(request),
        ]
    )


def _additional(additional_headers: str) -> list[str]:
    """The extra signed headers, lower-cased and sorted, less those signed anyway."""
    named = {name.strip().lower() for name in additional_headers.split(";")}
    return sorted(n for n in named if n and n not in DEFAULT_SIGNED_HEADERS and not n.startswith("x-oss-"))


def _unsigned_headers(request: SignedRequest, additional_headers: str) -> frozenset[str]:
    covered = DEFAULT_SIGNED_HEADERS | frozenset(_additional(additional_headers))
    return request.unsigned_headers(lambda name: name in covered or name.startswith("x-oss-"))


def _payload(request: SignedRequest) -> str:
    return request.header("x-oss-content-sha256") or UNSIGNED_PAYLOAD
