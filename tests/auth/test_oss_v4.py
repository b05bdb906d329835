"""OSS V4 (OSS4-HMAC-SHA256) signatures: auth §8 worked examples, oss2-made vectors, tampering and time rules."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import oss2
import pytest

from proxy.auth import verify

SPEC_URL = "http://127.0.0.1/examplebucket/example.jpg?x-oss-process=image%2Fresize%2Cw_100"
SPEC_SIGNATURE = "322f612ea75ee186fac5fc6d10eafe7325c77906ca750673c3993c8d7435219a"
SPEC_NOW = datetime(2023, 12, 16, 16, 25, tzinfo=UTC)
SPEC_PRESIGNED = (
    "http://127.0.0.1/examplebucket/example.jpg?x-oss-process=image%2Fresize%2Cw_100"
    "&x-oss-signature-version=OSS4-HMAC-SHA256"
    "&x-oss-credential=ak%2F20231216%2Fcn-hangzhou%2Foss%2Faliyun_v4_request"
    "&x-oss-date=20231216T162057Z&x-oss-expires=3600"
    "&x-oss-signature=3a526bf0784c96a68c79ddb03f2b49f59d1bb32421108a3e42307840cbab7892"
)


def spec_request(from_url, separator=",", url=SPEC_URL, **options):
    authorization = (
        f"OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request{separator}"
        f"Signature={SPEC_SIGNATURE}"
    )
    headers = {
        "x-oss-date": "20231216T162057Z",
        "x-oss-content-sha256": "UNSIGNED-PAYLOAD",
        "Authorization": authorization,
    }
    return from_url("GET", url, headers, **options)


def oss2_signed(from_url, method, url, params, headers, bucket, key, additional=None):
    """Sign with oss2's own V4 signer (region cn-hangzhou), then describe the request as it goes on the wire."""
    request = oss2.http.Request(method, url, params=params, headers=headers, region="cn-hangzhou", product="oss")
    oss2.AuthV4("ak", "sk")._sign_request(request, bucket, key, in_additional_headers=additional)
    query = "&".join(oss2.auth._param_to_quoted_query(k, v) for k, v in params.items())
    wire_headers = {name: value for name, value in request.headers.items() if value is not None}
    signed_at = datetime.strptime(request.headers["x-oss-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return from_url(method, f"{url}?{query}" if query else url, wire_headers), signed_at


def oss2_presigned(**options):
    bucket = oss2.Bucket(oss2.AuthV4("ak", "sk"), "http://127.0.0.1:9", "examplebucket", region="cn-hangzhou")
    return bucket.sign_url("GET", "dir/a b+c.jpg", 600, **options)


@pytest.mark.parametrize("separator", [",", ", "])
def test_spec_header_example_verifies_with_either_comma_style(from_url, credentials, separator):
    identity = verify(spec_request(from_url, separator), credentials, SPEC_NOW)
    assert (identity.access_key_id, identity.scheme, identity.presigned) == ("ak", "oss-v4", False)


def test_spec_header_example_verifies_virtual_hosted(from_url, credentials):
    request = spec_request(
        from_url,
        url="http://examplebucket.osprey.test/example.jpg?x-oss-process=image%2Fresize%2Cw_100",
        virtual_host_domain="osprey.test",
    )
    assert verify(request, credentials, SPEC_NOW).scheme == "oss-v4"


def test_spec_presigned_example_verifies(from_url, credentials):
    identity = verify(from_url("GET", SPEC_PRESIGNED), credentials, SPEC_NOW)
    assert (identity.scheme, identity.presigned) == ("oss-v4", True)


def test_oss2_header_signature_with_additional_headers_verifies(from_url, credentials):
    request, signed_at = oss2_signed(
        from_url,
        "PUT",
        "http://127.0.0.1:9/examplebucket/dir/a%20b%2Bc.jpg",
        {"x-oss-process": "image/resize,w_100", "acl": ""},
        {"Content-Type": "image/jpeg", "x-oss-meta-owner": "Zoë", "Range": "bytes=0-9", "Cache-Control": "no-cache"},
        "examplebucket",
        "dir/a b+c.jpg",
        additional=["range", "cache-control"],
    )
    assert "AdditionalHeaders=" in request.header("authorization")
    assert verify(request, credentials, signed_at).scheme == "oss-v4"


def test_oss2_presigned_url_with_additional_header_verifies(from_url, credentials):
    url = oss2_presigned(
        params={"x-oss-process": "image/resize,w_10"}, headers={"Range": "bytes=0-9"}, additional_headers=["range"]
    )
    identity = verify(from_url("GET", url, {"Range": "bytes=0-9"}), credentials, datetime.now(UTC))
    assert identity.presigned and identity.content_sha256 == "UNSIGNED-PAYLOAD"


@pytest.mark.parametrize("tamper", ["path", "query value", "signed header", "additional header", "secret"])
def test_tampered_request_is_refused(from_url, credentials, failure, tamper):
    request, signed_at = oss2_signed(
        from_url,
        "GET",
        "http://127.0.0.1:9/examplebucket/a.jpg",
        {"x-oss-process": "image/resize,w_100"},
        {"x-oss-meta-owner": "me", "Range": "bytes=0-9"},
        "examplebucket",
        "a.jpg",
        additional=["range"],
    )
    if tamper == "path":
        request = replace(request, raw_path="/examplebucket/b.jpg", key="b.jpg")
    elif tamper == "query value":
        request = replace(request, raw_query="x-oss-process=image%2Fresize%2Cw_900")
    elif tamper == "signed header":
        request = replace(request, headers={**request.headers, "x-oss-meta-owner": "mallory"})
    elif tamper == "additional header":
        request = replace(request, headers={**request.headers, "Range": "bytes=0-"})
    else:
        credentials = {"ak": "not-the-secret"}
    err = failure(lambda: verify(request, credentials, signed_at))
    assert (err.status, err.code) == (403, "SignatureDoesNotMatch")
    assert err.extra["StringToSign"].startswith("OSS4-HMAC-SHA256\n")
    assert err.extra["CanonicalRequest"].startswith(f"GET\n/examplebucket/{request.key}\n")


def test_unknown_access_key_is_refused(from_url, failure):
    err = failure(lambda: verify(spec_request(from_url), {"other": "sk"}, SPEC_NOW))
    assert (err.status, err.code, err.extra["OSSAccessKeyId"]) == (403, "InvalidAccessKeyId", "ak")


def test_expired_presigned_url_is_refused(from_url, credentials, failure):
    now = datetime(2023, 12, 16, 17, 21, tzinfo=UTC)
    err = failure(lambda: verify(from_url("GET", SPEC_PRESIGNED), credentials, now))
    assert (err.status, err.code) == (403, "AccessDenied")
    assert "expired" in err.message and "2023-12-16T17:20:57Z" in err.message


def test_presigned_url_from_the_future_is_not_valid_yet(from_url, credentials, failure):
    now = datetime(2023, 12, 16, 16, 0, tzinfo=UTC)
    err = failure(lambda: verify(from_url("GET", SPEC_PRESIGNED), credentials, now))
    assert (err.status, err.code) == (403, "AccessDenied")


def test_presigned_url_without_expires_is_refused_with_its_ec(from_url, credentials, failure):
    url = SPEC_PRESIGNED.replace("&x-oss-expires=3600", "")
    err = failure(lambda: verify(from_url("GET", url), credentials, SPEC_NOW))
    assert (err.status, err.code, err.ec) == (403, "AccessDenied", "0002-00000215")


@pytest.mark.parametrize("expires", ["0", "604801", "soon"])
def test_presigned_lifetime_outside_one_week_is_invalid(from_url, credentials, failure, expires):
    url = SPEC_PRESIGNED.replace("x-oss-expires=3600", f"x-oss-expires={expires}")
    err = failure(lambda: verify(from_url("GET", url), credentials, SPEC_NOW))
    assert (err.status, err.code, err.extra["ArgumentName"]) == (400, "InvalidArgument", "x-oss-expires")


def test_header_signature_outside_fifteen_minutes_is_too_skewed(from_url, credentials, failure):
    now = datetime(2023, 12, 16, 16, 20, 57, tzinfo=UTC) + timedelta(minutes=15, seconds=1)
    err = failure(lambda: verify(spec_request(from_url), credentials, now))
    assert (err.status, err.code, err.extra["RequestTime"]) == (403, "RequestTimeTooSkewed", "20231216T162057Z")


def test_credential_date_other_than_the_signing_date_is_invalid(from_url, credentials, failure):
    request = spec_request(from_url)
    request = replace(request, headers={**request.headers, "x-oss-date": "20231217T000000Z"})
    err = failure(lambda: verify(request, credentials, datetime(2023, 12, 17, tzinfo=UTC)))
    assert (err.status, err.code) == (400, "InvalidArgument")


def test_credential_for_another_service_is_invalid(from_url, credentials, failure):
    request = spec_request(from_url)
    authorization = request.header("authorization").replace("/oss/", "/s3/")
    request = replace(request, headers={**request.headers, "Authorization": authorization})
    err = failure(lambda: verify(request, credentials, SPEC_NOW))
    assert (err.status, err.code, err.extra["ArgumentName"]) == (400, "InvalidArgument", "Authorization")


def test_additional_headers_are_signed_and_other_x_amz_ones_reported_unsigned(from_url, credentials):
    request, signed_at = oss2_signed(
        from_url, "PUT", "http://127.0.0.1:9/examplebucket/copy.jpg", {},
        {"x-oss-copy-source": "/examplebucket/a.jpg", "x-amz-meta-a": "1"}, "examplebucket", "copy.jpg",
        additional=["x-amz-meta-a"],
    )
    added = replace(request, headers={**request.headers, "x-amz-copy-source": "/vault/secret.txt"})
    unsigned = verify(added, credentials, signed_at).unsigned_headers
    assert "x-amz-copy-source" in unsigned
    assert not unsigned & {"x-oss-copy-source", "x-amz-meta-a", "x-oss-date"}
