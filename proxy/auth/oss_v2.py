"""OSS signature V2 (HMAC-SHA256 over every query parameter): `Authorization: OSS2 AccessKeyId:…,Signature:…` or
`?x-oss-signature-version=OSS2&x-oss-access-key-id=…&x-oss-expires=…&x-oss-signature=…` (auth §8.5)."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from proxy.auth.clock import check_expiry, check_skew
from proxy.auth.errors import malformed, missing_parameters, no_valid_date, secret_for, signature_mismatch
from proxy.auth.request import Identity, SignedRequest
from proxy.auth.signing import (
    canonical_query,
    hmac_sha256,
    oss_resource,
    parse_auth_params,
    signatures_match,
    to_bytes,
    uri_encode,
)
from proxy.httpdate import parse_http_date

VERSION = "OSS2"
CONTENT_HEADERS = frozenset({"content-md5", "content-type"})


def verify_header(
    request: SignedRequest,
    authorization: str,
    credentials: Mapping[str, str],
    now: datetime,
) -> Identity:
    """`Authorization: OSS2 AccessKeyId:<ak>[,AdditionalHeaders:<h1;h2>],Signature:<b64>`, the Date within 15
    minutes of now."""
    fields = parse_auth_params(authorization[len(VERSION) :], ":")
    access_key_id, signature = fields.get("AccessKeyId"), fields.get("Signature")
    if not (access_key_id and signature):
        raise malformed("The Authorization header must be `OSS2 AccessKeyId:<AccessKeyId>,Signature:<Signature>`.",
                        "Authorization", authorization)
    secret = secret_for(credentials, access_key_id)
    date = request.header("date") or ""
    signed_at = parse_http_date(date)
    if signed_at is None:
        raise no_valid_date("OSS")
    check_skew(signed_at, date, now)
    additional = _additional(fields.get("AdditionalHeaders", ""))
    _check(request, secret, signature, date, additional, request.query)
    return Identity(access_key_id, "oss-v2", False,
                    unsigned_headers=_unsigned_headers(request, additional, date_signed=True))


def verify_presigned(request: SignedRequest, credentials: Mapping[str, str], now: datetime) -> Identity:
    """The `x-oss-expires` unix time stands in for the Date; every other query parameter but the signature is
    signed."""
    access_key_id, expires, signature = (request.param(name) for name in (
        "x-oss-access-key-id", "x-oss-expires", "x-oss-signature"))
    if not (access_key_id and expires and signature):
        raise missing_parameters("A V2 signed URL needs x-oss-access-key-id, x-oss-expires and x-oss-signature.")
    if not expires.isdigit():
        raise malformed("x-oss-expires must be a unix time in seconds.", "x-oss-expires", expires)
    secret = secret_for(credentials, access_key_id)
    check_expiry(datetime.fromtimestamp(int(expires), UTC), now)
    additional = _additional(request.param("x-oss-additional-headers") or "")
    pairs = [(name, value) for name, value in request.query if name != "x-oss-signature"]
    _check(request, secret, signature, expires, additional, pairs)
    return Identity(access_key_id, "oss-v2", True,
                    unsigned_headers=_unsigned_headers(request, additional, date_signed=False))


def string_to_sign(request: SignedRequest, date: str, additional: list[str],
                   query: Iterable[tuple[str, str]]) -> str:
    """VERB, Content-MD5, Content-Type, date, the `x-oss-*` and additional headers sorted, the additional names,
    then `/<bucket>/<key>` encoded `/` included, with every query parameter encoded and sorted."""
    headers = request.headers_where(frozenset(additional), "x-oss-")
    resource = uri_encode(oss_resource(request.bucket, request.key))
    params = canonical_query(query, bare_empty=True)
    return "\n".join([
        request.method.upper(), request.header("content-md5") or "", request.header("content-type") or "", date,
        "".join(f"{name}:{value}\n" for name, value in headers) + ";".join(additional),
        resource + (f"?{params}" if params else ""),
    ])


def _check(request: SignedRequest, secret: str, signature: str, date: str, additional: list[str],
           query: Iterable[tuple[str, str]]) -> None:
    expected_text = string_to_sign(request, date, additional, query)
    expected = base64.b64encode(hmac_sha256(to_bytes(secret), expected_text)).decode()
    if not signatures_match(expected, signature):
        raise signature_mismatch(signature, expected_text)


def _additional(names: str) -> list[str]:
    """The additional signed headers, lower-cased and sorted as the string to sign lists them."""
    return sorted({name.strip().lower() for name in names.split(";") if name.strip()})


def _unsigned_headers(request: SignedRequest, additional: list[str], *, date_signed: bool) -> frozenset[str]:
    covered = CONTENT_HEADERS | frozenset(additional) | ({"date"} if date_signed else set())
    return request.unsigned_headers(lambda name: name in covered or name.startswith("x-oss-"))
