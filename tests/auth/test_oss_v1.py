"""OSS V1 (HMAC-SHA1) signatures: auth §8 worked examples, oss2-made vectors, tampering, time rules and SDK variants."""

import base64
import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import oss2
import pytest

from proxy.auth import verify

SPEC_DATE = "Wed, 28 Dec 2022 10:27:41 GMT"
SPEC_NOW = datetime(2022, 12, 28, 10, 30, tzinfo=UTC)


def spec_header_request(
    from_url, url="http://127.0.0.1/examplebucket/example.jpg?x-oss-process=image/resize,w_100", **options
):
    headers = {"Date": SPEC_DATE, "Authorization": "OSS ak:iqYEACoVccQFp1kupxF8ofGAmOY="}
    return from_url("GET", url, headers, **options)


def oss2_signed(from_url, method, url, params, headers, bucket, key):
    """Sign with oss2's own V1 signer, then describe the request as it goes on the wire."""
    request = oss2.http.Request(method, url, params=params, headers=headers)
    oss2.Auth("ak", "sk")._sign_request(request, bucket, key)
    query = "&".join(oss2.auth._param_to_quoted_query(k, v) for k, v in params.items())
    wire_headers = {name: value for name, value in request.headers.items() if value is not None}
    signed = from_url(method, f"{url}?{query}" if query else url, wire_headers)
    return signed, parsedate_to_datetime(request.headers["date"])


def test_spec_header_example_verifies(from_url, credentials):
    identity = verify(spec_header_request(from_url), credentials, SPEC_NOW)
    assert (identity.access_key_id, identity.scheme, identity.presigned) == ("ak", "oss-v1", False)
    assert identity.unsigned_query == frozenset()


def test_spec_header_example_verifies_virtual_hosted(from_url, credentials):
    request = spec_header_request(
        from_url,
        "http://examplebucket.osprey.test/example.jpg?x-oss-process=image/resize,w_100",
        virtual_host_domain="osprey.test",
    )
    assert request.raw_path == "/example.jpg"
    assert verify(request, credentials, SPEC_NOW).access_key_id == "ak"


def test_spec_presigned_example_verifies(from_url, credentials):
    url = (
        "http://127.0.0.1/examplebucket/example.jpg?x-oss-process=image%2Fresize%2Cm_fixed%2Cw_100%2Ch_100"
        "&OSSAccessKeyId=ak&Expires=1699807420&Signature=bZV9Eg1KaXWF4pBrWK60zzNXSMw%3D"
    )
    identity = verify(from_url("GET", url), credentials, datetime(2023, 11, 12, 16, 0, tzinfo=UTC))
    assert (identity.scheme, identity.presigned, identity.unsigned_query) == ("oss-v1", True, frozenset())


def test_oss2_header_signature_with_headers_and_subresources_verifies(from_url, credentials):
    params = {"x-oss-process": "image/resize,w_100", "response-content-disposition": 'attachment; filename="a b"'}
    headers = {"Content-Type": "image/jpeg", "x-oss-meta-owner": "Zoë", "Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}
    request, signed_at = oss2_signed(
        from_url,
        "PUT",
        "http://127.0.0.1:9/examplebucket/dir/a%20b%2Bc.jpg",
        params,
        headers,
        "examplebucket",
        "dir/a b+c.jpg",
    )
    assert request.key == "dir/a b+c.jpg"
    assert verify(request, credentials, signed_at).scheme == "oss-v1"


def test_oss2_presigned_url_verifies_with_bare_subresource(from_url, credentials):
    bucket = oss2.Bucket(oss2.Auth("ak", "sk"), "http://127.0.0.1:9", "examplebucket")
    url = bucket.sign_url("GET", "dir/photo.jpg", 60, params={"acl": "", "x-oss-process": "image/crop,w_10"})
    identity = verify(from_url("GET", url), credentials, datetime.now(UTC))
    assert identity.presigned and identity.unsigned_query == frozenset()


@pytest.mark.parametrize("tamper", ["path", "query value", "signed header", "secret"])
def test_tampered_request_is_refused(from_url, credentials, failure, tamper):
    request, signed_at = oss2_signed(
        from_url,
        "GET",
        "http://127.0.0.1:9/examplebucket/a.jpg",
        {"x-oss-process": "image/resize,w_100"},
        {"x-oss-meta-owner": "me"},
        "examplebucket",
        "a.jpg",
    )
    if tamper == "path":
        request = replace(request, raw_path="/examplebucket/b.jpg", key="b.jpg")
    elif tamper == "query value":
        request = replace(request, raw_query="x-oss-process=image%2Fresize%2Cw_900")
    elif tamper == "signed header":
        request = replace(request, headers={**request.headers, "x-oss-meta-owner": "mallory"})
    else:
        credentials = {"ak": "not-the-secret"}
    err = failure(lambda: verify(request, credentials, signed_at))
    assert (err.status, err.code) == (403, "SignatureDoesNotMatch")
    assert err.extra["SignatureProvided"] == request.header("authorization").rpartition(":")[2]
    resource = f"/examplebucket/{request.key}?x-oss-process={request.param('x-oss-process')}"
    assert err.extra["StringToSign"].endswith(resource)


def test_unknown_access_key_is_refused(from_url, failure):
    err = failure(lambda: verify(spec_header_request(from_url), {"other": "sk"}, SPEC_NOW))
    assert (err.status, err.code, err.extra["OSSAccessKeyId"]) == (403, "InvalidAccessKeyId", "ak")
    assert err.message == "The OSS Access Key Id you provided does not exist in our records."


def test_expired_presigned_url_is_refused(from_url, credentials, failure):
    url = (
        "http://127.0.0.1/examplebucket/example.jpg?x-oss-process=image%2Fresize%2Cm_fixed%2Cw_100%2Ch_100"
        "&OSSAccessKeyId=ak&Expires=1699807420&Signature=bZV9Eg1KaXWF4pBrWK60zzNXSMw%3D"
    )
    err = failure(lambda: verify(from_url("GET", url), credentials, datetime(2023, 11, 12, 17, 0, tzinfo=UTC)))
    assert (err.status, err.code) == (403, "AccessDenied")
    assert "expired" in err.message and "2023-11-12T16:43:40Z" in err.message


@pytest.mark.parametrize("offset", [timedelta(minutes=16), -timedelta(minutes=16)])
def test_header_signature_outside_fifteen_minutes_is_too_skewed(from_url, credentials, failure, offset):
    now = parsedate_to_datetime(SPEC_DATE) + offset
    err = failure(lambda: verify(spec_header_request(from_url), credentials, now))
    assert (err.status, err.code, err.ec) == (403, "RequestTimeTooSkewed", "0002-00000504")
    assert err.extra["MaxAllowedSkewMilliseconds"] == "900000"
    assert err.extra["RequestTime"] == SPEC_DATE
    assert err.extra["ServerTime"] == (now.strftime("%Y-%m-%dT%H:%M:%SZ"))


def test_header_signature_without_a_date_is_refused(from_url, credentials, failure):
    request = from_url("GET", "http://127.0.0.1/examplebucket/example.jpg", {"Authorization": "OSS ak:x"})
    err = failure(lambda: verify(request, credentials, SPEC_NOW))
    assert (err.status, err.code) == (403, "AccessDenied")


def test_python_v2_sdk_signature_without_x_oss_process_is_accepted_and_flagged(from_url, credentials):
    # The Python v2 SDK signs GetObject without x-oss-process, but sends it: sign without it, send with it.
    request, signed_at = oss2_signed(
        from_url,
        "GET",
        "http://127.0.0.1:9/examplebucket/a.jpg",
        {},
        {},
        "examplebucket",
        "a.jpg",
    )
    request = replace(request, raw_query="x-oss-process=image%2Fresize%2Cw_100")
    identity = verify(request, credentials, signed_at)
    assert identity.unsigned_query == frozenset({"x-oss-process"})


def test_go_v2_sdk_signature_over_every_x_oss_parameter_is_accepted(from_url, credentials):
    string_to_sign = f"GET\n\n\n{SPEC_DATE}\n/examplebucket/example.jpg?x-oss-custom=1&x-oss-process=image/info"
    digest = hmac.new(b"sk", string_to_sign.encode(), hashlib.sha1).digest()
    headers = {"Date": SPEC_DATE, "Authorization": "OSS ak:" + base64.b64encode(digest).decode()}
    url = "http://127.0.0.1/examplebucket/example.jpg?x-oss-process=image%2Finfo&x-oss-custom=1"
    identity = verify(from_url("GET", url, headers), credentials, SPEC_NOW)
    assert identity.unsigned_query == frozenset()


def test_malformed_authorization_header_is_invalid_argument(from_url, credentials, failure):
    request = from_url(
        "GET", "http://127.0.0.1/examplebucket/a.jpg", {"Authorization": "OSS no-colon", "Date": SPEC_DATE}
    )
    err = failure(lambda: verify(request, credentials, SPEC_NOW))
    assert (err.status, err.code, err.extra["ArgumentName"]) == (400, "InvalidArgument", "Authorization")


def test_presigned_url_missing_its_signature_is_access_denied(from_url, credentials, failure):
    url = "http://127.0.0.1/examplebucket/a.jpg?OSSAccessKeyId=ak&Expires=1699807420"
    err = failure(lambda: verify(from_url("GET", url), credentials, SPEC_NOW))
    assert (err.status, err.code) == (403, "AccessDenied")


def test_bucket_level_and_service_level_resources(from_url, credentials):
    for url, resource in [("http://127.0.0.1/examplebucket/?acl", "/examplebucket/?acl"), ("http://127.0.0.1/", "/")]:
        string_to_sign = f"GET\n\n\n{SPEC_DATE}\n{resource}"
        signature = base64.b64encode(hmac.new(b"sk", string_to_sign.encode(), hashlib.sha1).digest()).decode()
        request = from_url("GET", url, {"Date": SPEC_DATE, "Authorization": f"OSS ak:{signature}"})
        assert (request.bucket, request.key) == (urlsplit(url).path.strip("/"), "")
        assert verify(request, credentials, SPEC_NOW).access_key_id == "ak"


def test_x_oss_headers_are_signed_and_x_amz_ones_reported_unsigned(from_url, credentials):
    request, signed_at = oss2_signed(from_url, "PUT", "http://127.0.0.1:9/examplebucket/copy.jpg", {},
                                     {"x-oss-copy-source": "/examplebucket/a.jpg"}, "examplebucket", "copy.jpg")
    added = replace(request, headers={**request.headers, "x-amz-copy-source": "/vault/secret.txt"})
    unsigned = verify(added, credentials, signed_at).unsigned_headers
    assert "x-amz-copy-source" in unsigned and "x-oss-copy-source" not in unsigned
