"""OSS V2 (`OSS2`, HMAC-SHA256) signatures: oss2-made header and URL signatures, what they cover, tampering and
time rules."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

import oss2
import pytest

from proxy.auth import verify

URL = "http://127.0.0.1:9/examplebucket/dir/a%20b%2Bc%C3%A9.jpg"
KEY = "dir/a b+cé.jpg"


def oss2_signed(from_url, method, params, headers, additional=None):
    """Sign with oss2's own V2 signer, then describe the request as it goes on the wire."""
    request = oss2.http.Request(method, URL, params=params, headers=headers)
    oss2.AuthV2("ak", "sk")._sign_request(request, "examplebucket", KEY, in_additional_headers=additional)
    query = "&".join(oss2.auth._param_to_quoted_query(k, v) for k, v in params.items())
    wire_headers = {name: value for name, value in request.headers.items() if value is not None}
    return from_url(method, f"{URL}?{query}" if query else URL, wire_headers), parsedate_to_datetime(
        request.headers["date"])


def oss2_presigned(expires=600, **options):
    bucket = oss2.Bucket(oss2.AuthV2("ak", "sk"), "http://127.0.0.1:9", "examplebucket")
    return bucket.sign_url("GET", KEY, expires, **options)


def test_oss2_header_signature_verifies_and_covers_every_query_parameter(from_url, credentials):
    request, signed_at = oss2_signed(
        from_url, "PUT", {"x-oss-process": "image/resize,w_100", "acl": ""},
        {"Content-Type": "image/jpeg", "x-oss-meta-owner": "Zoë", "Range": "bytes=0-9", "Cache-Control": "no"},
        additional=["range", "cache-control"])
    assert request.header("authorization").startswith("OSS2 AccessKeyId:ak,AdditionalHeaders:")
    identity = verify(request, credentials, signed_at)
    assert (identity.access_key_id, identity.scheme, identity.presigned) == ("ak", "oss-v2", False)
    assert identity.unsigned_query == frozenset()
    assert identity.covers("x-oss-meta-owner") and identity.covers("range") and identity.covers("cache-control")
    assert not identity.covers("host")


def test_a_header_the_additional_list_leaves_out_is_unsigned(from_url, credentials):
    request, signed_at = oss2_signed(from_url, "GET", {}, {"Cache-Control": "no", "Range": "bytes=0-1"},
                                     additional=["range"])
    identity = verify(request, credentials, signed_at)
    assert identity.covers("range") and not identity.covers("cache-control")


@pytest.mark.parametrize("tamper", ["query", "header", "key", "signature"])
def test_a_tampered_header_signed_request_is_signature_does_not_match(from_url, credentials, failure, tamper):
    request, signed_at = oss2_signed(from_url, "GET", {"x-oss-process": "image/resize,w_100"},
                                     {"x-oss-meta-a": "1"})
    headers = dict(request.headers)
    raw_query, raw_path = request.raw_query, request.raw_path
    if tamper == "query":
        raw_query = raw_query.replace("w_100", "w_900")
    elif tamper == "header":
        headers["x-oss-meta-a"] = "2"
    elif tamper == "key":
        raw_path = raw_path.replace("dir", "dix")
    else:
        headers["authorization"] = headers["authorization"][:-6] + "AAAAA="
    url = f"http://127.0.0.1:9{raw_path}?{raw_query}"
    err = failure(lambda: verify(from_url("GET", url, headers), credentials, signed_at))
    assert (err.status, err.code) == (403, "SignatureDoesNotMatch")
    assert err.extra["StringToSign"].startswith("GET\n")


def test_a_header_signature_outside_15_minutes_is_too_skewed(from_url, credentials, failure):
    request, signed_at = oss2_signed(from_url, "GET", {}, {})
    err = failure(lambda: verify(request, credentials, signed_at + timedelta(minutes=16)))
    assert (err.status, err.code) == (403, "RequestTimeTooSkewed")


def test_an_unknown_key_is_invalid_access_key_id(from_url, credentials, failure):
    request, signed_at = oss2_signed(from_url, "GET", {}, {})
    err = failure(lambda: verify(request, {"other": "sk"}, signed_at))
    assert (err.status, err.code) == (403, "InvalidAccessKeyId")


@pytest.mark.parametrize("header", ["OSS2 AccessKeyId:ak", "OSS2 Signature:abc", "OSS2 "])
def test_a_malformed_oss2_header_is_invalid_argument(from_url, credentials, failure, header):
    request = from_url("GET", URL, {"Authorization": header, "Date": "Fri, 04 Dec 2026 21:00:00 GMT"})
    err = failure(lambda: verify(request, credentials, datetime(2026, 12, 4, 21, tzinfo=UTC)))
    assert (err.status, err.code) == (400, "InvalidArgument")


def test_oss2_presigned_url_verifies_until_it_expires(from_url, credentials, failure):
    url = oss2_presigned(params={"x-oss-process": "image/resize,w_50"})
    expires = int(parse_qs(urlsplit(url).query)["x-oss-expires"][0])
    identity = verify(from_url("GET", url), credentials, datetime.fromtimestamp(expires - 1, UTC))
    assert (identity.scheme, identity.presigned, identity.unsigned_query) == ("oss-v2", True, frozenset())
    err = failure(lambda: verify(from_url("GET", url), credentials, datetime.fromtimestamp(expires + 1, UTC)))
    assert (err.status, err.code) == (403, "AccessDenied") and "expired" in err.message


def test_oss2_presigned_url_with_an_additional_header(from_url, credentials, failure):
    url = oss2_presigned(headers={"Range": "bytes=0-9"}, additional_headers=["range"])
    assert "x-oss-additional-headers=range" in url
    now = datetime.now(UTC)
    assert verify(from_url("GET", url, {"Range": "bytes=0-9"}), credentials, now).covers("range")
    err = failure(lambda: verify(from_url("GET", url, {"Range": "bytes=0-99"}), credentials, now))
    assert err.code == "SignatureDoesNotMatch"


@pytest.mark.parametrize(("old", "new"), [("w_50", "w_500"), ("x-oss-expires=", "x-oss-expires=9")])
def test_a_tampered_presigned_url_is_refused(from_url, credentials, failure, old, new):
    url = oss2_presigned(params={"x-oss-process": "image/resize,w_50"}).replace(old, new, 1)
    err = failure(lambda: verify(from_url("GET", url), credentials, datetime.now(UTC)))
    assert (err.status, err.code) == (403, "SignatureDoesNotMatch")


def test_a_presigned_url_without_its_expiry_is_access_denied(from_url, credentials, failure):
    url = oss2_presigned()
    stripped = "&".join(p for p in urlsplit(url).query.split("&") if not p.startswith("x-oss-expires="))
    err = failure(lambda: verify(from_url("GET", URL + "?" + stripped), credentials, datetime.now(UTC)))
    assert (err.status, err.code) == (403, "AccessDenied")
