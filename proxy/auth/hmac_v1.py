"""The checks AWS signature V2 and OSS V1 share: HMAC-SHA1 over the verb, content headers, date, vendor headers and
resource; they differ only in names, how the resource is written and a few date and query rules."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from itertools import product

from proxy.auth.clock import check_expiry, check_skew
from proxy.auth.errors import malformed, missing_parameters, no_valid_date, secret_for, signature_mismatch
from proxy.auth.request import Identity, Scheme, SignedRequest
from proxy.auth.signing import hmac_sha1, signatures_match
from proxy.httpdate import parse_http_date

CONTENT_HEADERS = frozenset({"content-md5", "content-type"})


@dataclass(frozen=True)
class HmacV1Scheme:
    """One member of the family: S3's `AWS`/`x-amz-`/`AWSAccessKeyId`, or OSS's names, and where they part ways."""

    name: Scheme
    vendor: str  # the Authorization prefix, `<vendor>AccessKeyId`, and the word in error messages
    version: str  # "V1" / "V2", as in "A V2 signed URL needs …"
    header_prefix: str  # "x-amz-" / "x-oss-": the headers signed after the date
    resource: Callable[[SignedRequest], str]  # `/<bucket>/<key>` as the vendor writes it
    # Which query parameters a signer put in the resource: the documented rule first, then SDK variants.
    resource_rules: tuple[Callable[[str], bool], ...]
    # S3: x-amz-date empties the Date line (botocore still signs Date there). OSS: x-oss-date takes Date's place.
    vendor_date_empties_date_line: bool
    # botocore writes `name=` for an empty value sent with `=` and `name` for a bare one; OSS writes a bare name.
    empty_value_as_sent: bool
    # botocore moves the signed x-amz-*, Content-Type and Content-MD5 headers into a presigned URL's query.
    query_carries_headers: bool

    @property
    def access_key_param(self) -> str:
        return f"{self.vendor}AccessKeyId"


def verify_header(
    scheme: HmacV1Scheme,
    request: SignedRequest,
    authorization: str,
    credentials: Mapping[str, str],
    now: datetime,
) -> Identity:
    """`Authorization: <vendor> <ak>:<sig>`; the Date (or vendor date) header must be within 15 minutes of now."""
    access_key_id, _, signature = authorization[len(scheme.vendor) + 1 :].strip().rpartition(":")
    if not (access_key_id and signature):
        raise malformed(
            f"The Authorization header must be `{scheme.vendor} <AccessKeyId>:<Signature>`.",
            "Authorization",
            authorization,
        )
    vendor_date = request.header(f"{scheme.header_prefix}date") or None
    date = request.header("date") or ""
    secret = secret_for(credentials, access_key_id, scheme.vendor)
    signed_at = parse_http_date(vendor_date or date)
    if signed_at is None:
        raise no_valid_date(scheme.vendor)
    check_skew(signed_at, vendor_date or date, now)
    if vendor_date is None:
        date_lines: tuple[str, ...] = (date,)
    elif scheme.vendor_date_empties_date_line:
        date_lines = ("", date)
    else:
        date_lines = (vendor_date,)
    return _verify(scheme, request, access_key_id, secret, signature, date_lines, presigned=False)


def verify_presigned(
    scheme: HmacV1Scheme, request: SignedRequest, credentials: Mapping[str, str], now: datetime
) -> Identity:
    """`?<vendor>AccessKeyId=…&Expires=…&Signature=…`: the `Expires` unix time stands in for the Date."""
    names = (scheme.access_key_param, "Expires", "Signature")
    access_key_id, expires, signature = (request.param(name) for name in names)
    if not (access_key_id and expires and signature):
        raise missing_parameters(f"A {scheme.version} signed URL needs {names[0]}, Expires and Signature.")
    if not expires.isdigit():
        raise malformed("Expires must be a unix time in seconds.", "Expires", expires)
    secret = secret_for(credentials, access_key_id, scheme.vendor)
    check_expiry(datetime.fromtimestamp(int(expires), UTC), now)
    return _verify(scheme, request, access_key_id, secret, signature, (expires,), presigned=True)


def _signed_headers(scheme: HmacV1Scheme, request: SignedRequest, presigned: bool) -> dict[str, str]:
    """Content-MD5, Content-Type and the vendor headers by lower-cased name; in a presigned URL from a signer
    that moves them to the query, the query parameters too (a header of the same name wins)."""
    headers = dict(request.headers_where(CONTENT_HEADERS, scheme.header_prefix))
    if presigned:
        for name, value in request.query:
            if _carries_header(scheme, name):
                headers.setdefault(name.lower(), value)
    return headers


def _carries_header(scheme: HmacV1Scheme, name: str) -> bool:
    lower = name.lower()
    return scheme.query_carries_headers and (lower in CONTENT_HEADERS or lower.startswith(scheme.header_prefix))


def _string_to_sign(
    scheme: HmacV1Scheme,
    request: SignedRequest,
    date: str,
    headers: Mapping[str, str],
    signs_param: Callable[[str], bool],
) -> str:
    """VERB, Content-MD5, Content-Type, date, the vendor headers sorted, then the resource with the signed
    parameters (decoded, sorted)."""
    vendor = "".join(f"{name}:{headers[name]}\n" for name in sorted(headers) if name.startswith(scheme.header_prefix))
    params = sorted(
        (name, _param(name, value, scheme.empty_value_as_sent))
        for name, value in request.query_as_sent
        if signs_param(name)
    )
    resource = scheme.resource(request)
    if params:
        resource += "?" + "&".join(text for _, text in params)
    content_md5, content_type = headers.get("content-md5", ""), headers.get("content-type", "")
    return f"{request.method.upper()}\n{content_md5}\n{content_type}\n{date}\n{vendor}{resource}"


def _covers(scheme: HmacV1Scheme, request: SignedRequest, date_line: str, name: str) -> bool:
    """Whether the string to sign holds header `name`: the content headers, the vendor's, and the Date in use."""
    return (
        name in CONTENT_HEADERS
        or name.startswith(scheme.header_prefix)
        or (name == "date" and date_line == request.header("date"))
    )


def _param(name: str, value: str | None, empty_value_as_sent: bool) -> str:
    bare = value is None if empty_value_as_sent else not value
    return name if bare else f"{name}={value}"


def _verify(
    scheme: HmacV1Scheme,
    request: SignedRequest,
    access_key_id: str,
    secret: str,
    signature: str,
    date_lines: tuple[str, ...],
    *,
    presigned: bool,
) -> Identity:
    headers = _signed_headers(scheme, request, presigned)
    documented = ""
    for date, rule in product(date_lines, scheme.resource_rules):
        candidate = _string_to_sign(scheme, request, date, headers, rule)
        documented = documented or candidate
        if signatures_match(base64.b64encode(hmac_sha1(secret, candidate)).decode(), signature):
            unsigned = {name for name, _ in request.query if not rule(name)}
            if presigned:
                unsigned -= {scheme.access_key_param, "Expires", "Signature"}
                unsigned = {name for name in unsigned if not _carries_header(scheme, name)}
            return Identity(access_key_id, scheme.name, presigned, unsigned_query=frozenset(unsigned),
                            unsigned_headers=request.unsigned_headers(partial(_covers, scheme, request, date)))
    raise signature_mismatch(signature, documented)
