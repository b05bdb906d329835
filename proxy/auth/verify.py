"""Which scheme signed a request, and the one call the front makes to check it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from proxy.auth import oss_v1, oss_v2, oss_v4, sigv2, sigv4
from proxy.auth.clock import utc
from proxy.auth.errors import malformed
from proxy.auth.request import Identity, SignedRequest


def _oss_presigned(request: SignedRequest, credentials: Mapping[str, str], now: datetime) -> Identity:
    """OSS V2 and V4 URLs share their `x-oss-*` parameters: the version (or V2's access key id) tells them apart."""
    version = request.param("x-oss-signature-version")
    v2 = version == oss_v2.VERSION or (version is None and request.param("x-oss-access-key-id") is not None)
    return (oss_v2.verify_presigned if v2 else oss_v4.verify_presigned)(request, credentials, now)


HeaderVerifier = Callable[[SignedRequest, str, Mapping[str, str], datetime], Identity]
QueryVerifier = Callable[[SignedRequest, Mapping[str, str], datetime], Identity]

_HEADER_SCHEMES: dict[str, HeaderVerifier] = {
    sigv4.ALGORITHM: sigv4.verify_header,
    oss_v4.ALGORITHM: oss_v4.verify_header,
    oss_v2.VERSION: oss_v2.verify_header,
    oss_v1.SCHEME.vendor: oss_v1.verify_header,
    sigv2.SCHEME.vendor: sigv2.verify_header,
}
# A presigned URL is recognised by any one of its parameters, so a half-built one gets a precise error.
_QUERY_SCHEMES: tuple[tuple[frozenset[str], QueryVerifier], ...] = (
    (frozenset({"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"}), sigv4.verify_presigned),
    (frozenset({"x-oss-signature-version", "x-oss-credential", "x-oss-signature", "x-oss-access-key-id"}),
     _oss_presigned),
    (frozenset({"AWSAccessKeyId"}), sigv2.verify_presigned),
    (frozenset({"OSSAccessKeyId", "Signature"}), oss_v1.verify_presigned),
)
# Any of these in the query string makes a request a presigned one.
SIGNATURE_PARAMS = frozenset().union(*(params for params, _ in _QUERY_SCHEMES))
ONE_MECHANISM = (
    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter "
    "or the Authorization header should be specified"
)


def verify(request: SignedRequest, credentials: Mapping[str, str], now: datetime) -> Identity | None:
    """The verified caller, or None for an anonymous request (no Authorization header, no URL signature);
    `credentials` maps access key id → secret, `now` is the server clock, and every failure raises OssError."""
    now = utc(now)
    names = {name for name, _ in request.query}
    if "AWSAccessKeyId" in names:
        names.discard("Signature")  # AWS V2 and OSS V1 URLs share it: with AWSAccessKeyId it is V2's
    presigned = [verifier for params, verifier in _QUERY_SCHEMES if names & params]
    authorization = request.header("authorization")
    if len(presigned) + (authorization is not None) > 1:
        raise malformed(ONE_MECHANISM, "Authorization", authorization or "")
    if authorization is not None:
        scheme = authorization.partition(" ")[0]
        verifier = _HEADER_SCHEMES.get(scheme)
        if verifier is None:
            raise malformed("Unsupported Authorization Type", "Authorization", authorization)
        return verifier(request, authorization, credentials, now)
    if presigned:
        return presigned[0](request, credentials, now)
    return None
