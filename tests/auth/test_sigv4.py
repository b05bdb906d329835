"""AWS SigV4 signatures: AWS documentation vectors, botocore-made vectors, tampering and time rules."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from proxy.auth import verify

AWS_DOC_NOW = datetime(2013, 5, 24, 0, 5, tzinfo=UTC)
AWS_DOC_PRESIGNED = (
    "http://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
)


def botocore_signed(from_url, method, url, body=b"", headers=None, region="us-east-1"):
    """Sign with botocore's S3 SigV4 signer; `now` is the signing time it stamped."""
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    S3SigV4Auth(Credentials("ak", "sk"), "s3", region).add_auth(request)
    signed_at = datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return from_url(method, url, dict(request.headers.items())), signed_at


def presigned_url(endpoint="http://127.0.0.1:9", style="path", expires=600, region="eu-west-3"):
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="ak",
        aws_secret_access_key="sk",
        region_name=region,
        config=Config(signature_version="s3v4", s3={"addressing_style": style}),
    )
    params = {
        "Bucket": "examplebucket",
        "Key": "dir/a b+c ü.jpg",
        "ResponseContentDisposition": 'attachment; filename="x y.jpg"',
    }
    return client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)


def test_aws_documentation_get_object_example_verifies(from_url, credentials):
    headers = {
        "Range": "bytes=0-9",
        "x-amz-date": "20130524T000000Z",
        "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    }
    request = from_url(
        "GET", "http://examplebucket.s3.amazonaws.com/test.txt", headers, virtual_host_domain="s3.amazonaws.com"
    )
    identity = verify(request, credentials, AWS_DOC_NOW)
    assert (identity.access_key_id, identity.scheme, identity.presigned) == ("AKIAIOSFODNN7EXAMPLE", "aws-sigv4", False)


def test_aws_documentation_presigned_example_verifies(from_url, credentials):
    request = from_url("GET", AWS_DOC_PRESIGNED, virtual_host_domain="s3.amazonaws.com")
    identity = verify(request, credentials, AWS_DOC_NOW)
    assert (identity.presigned, identity.content_sha256) == (True, "UNSIGNED-PAYLOAD")


def test_botocore_header_signature_with_body_and_query_verifies(from_url, credentials):
    request, signed_at = botocore_signed(
        from_url,
        "PUT",
        "http://127.0.0.1:9/examplebucket/dir/a%20b%2Bc.jpg?tagging=&versionId=v%2F1",
        b"hello",
        {"Content-Type": "text/plain", "x-amz-meta-owner": "me  and   you"},
        region="ap-southeast-7",
    )
    identity = verify(request, credentials, signed_at)
    assert identity.content_sha256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    assert identity.chunk_signer is None


def test_botocore_header_signature_verifies_virtual_hosted(from_url, credentials):
    request, signed_at = botocore_signed(from_url, "GET", "http://examplebucket.osprey.test:9/a.jpg")
    request = replace(request, bucket="examplebucket", key="a.jpg")
    assert verify(request, credentials, signed_at).access_key_id == "ak"


@pytest.mark.parametrize("style,endpoint", [("path", "http://127.0.0.1:9"), ("virtual", "http://osprey.test:9")])
def test_boto3_presigned_url_verifies(from_url, credentials, style, endpoint):
    url = presigned_url(endpoint, style)
    request = from_url("GET", url, virtual_host_domain="osprey.test")
    assert (request.bucket, request.key) == ("examplebucket", "dir/a b+c ü.jpg")
    identity = verify(request, credentials, datetime.now(UTC))
    assert (identity.scheme, identity.presigned) == ("aws-sigv4", True)


@pytest.mark.parametrize("tamper", ["path", "query value", "signed header", "secret"])
def test_tampered_request_is_refused(from_url, credentials, failure, tamper):
    request, signed_at = botocore_signed(
        from_url,
        "GET",
        "http://127.0.0.1:9/examplebucket/a.jpg?x-oss-process=image%2Fresize%2Cw_100",
        headers={"Range": "bytes=0-9"},
    )
    if tamper == "path":
        request = replace(request, raw_path="/examplebucket/b.jpg", key="b.jpg")
    elif tamper == "query value":
        request = replace(request, raw_query="x-oss-process=image%2Fresize%2Cw_900")
    elif tamper == "signed header":
        request = replace(request, headers={**request.headers, "Range": "bytes=0-"})
    else:
        credentials = {"ak": "not-the-secret"}
    err = failure(lambda: verify(request, credentials, signed_at))
    assert (err.status, err.code) == (403, "SignatureDoesNotMatch")
    assert err.extra["SignatureProvided"] == request.header("authorization").rpartition("Signature=")[2]
    assert err.extra["CanonicalRequest"].startswith(f"GET\n{request.raw_path}\n{request.raw_query}\n")


def test_tampered_presigned_url_is_refused(from_url, credentials, failure):
    url = presigned_url().replace("filename", "filenamf")
    err = failure(lambda: verify(from_url("GET", url), credentials, datetime.now(UTC)))
    assert err.code == "SignatureDoesNotMatch"


def test_unknown_access_key_is_refused(from_url, failure):
    err = failure(lambda: verify(from_url("GET", AWS_DOC_PRESIGNED), {"ak": "sk"}, AWS_DOC_NOW))
    assert (err.status, err.code, err.extra["OSSAccessKeyId"]) == (403, "InvalidAccessKeyId", "AKIAIOSFODNN7EXAMPLE")


def test_expired_presigned_url_is_refused(from_url, credentials, failure):
    err = failure(lambda: verify(from_url("GET", AWS_DOC_PRESIGNED), credentials, AWS_DOC_NOW + timedelta(days=1)))
    assert (err.status, err.code) == (403, "AccessDenied")
    assert "expired" in err.message and "2013-05-25T00:00:00Z" in err.message


@pytest.mark.parametrize(("expires", "status", "code", "words"), [
    ("0", 403, "AccessDenied", "Request has expired"),  # S3: a zero lifetime is a URL already expired
    ("-1", 400, "AuthorizationQueryParametersError", "X-Amz-Expires must be non-negative"),
    ("604801", 400, "AuthorizationQueryParametersError", "must be less than a week (in seconds)"),
    ("soon", 400, "AuthorizationQueryParametersError", "X-Amz-Expires should be a number"),
    ("1e3", 400, "AuthorizationQueryParametersError", "X-Amz-Expires should be a number"),
])
def test_presigned_lifetime_outside_one_week_is_refused_as_s3_refuses_it(from_url, credentials, failure, expires,
                                                                          status, code, words):
    url = AWS_DOC_PRESIGNED.replace("X-Amz-Expires=86400", f"X-Amz-Expires={expires}")
    err = failure(lambda: verify(from_url("GET", url), credentials, AWS_DOC_NOW + timedelta(seconds=1)))
    assert (err.status, err.code) == (status, code) and words in err.message


def test_a_week_is_the_longest_presigned_lifetime(from_url, credentials, failure):
    url = AWS_DOC_PRESIGNED.replace("X-Amz-Expires=86400", "X-Amz-Expires=604800")
    err = failure(lambda: verify(from_url("GET", url), credentials, AWS_DOC_NOW))
    assert err.code == "SignatureDoesNotMatch"  # in range: only the signature over the changed value fails


def test_presigned_url_missing_a_parameter_is_access_denied(from_url, credentials, failure):
    url = AWS_DOC_PRESIGNED.replace("&X-Amz-SignedHeaders=host", "")
    err = failure(lambda: verify(from_url("GET", url), credentials, AWS_DOC_NOW))
    assert (err.status, err.code) == (403, "AccessDenied")
    assert "X-Amz-SignedHeaders" in err.message


def test_header_signature_outside_fifteen_minutes_is_too_skewed(from_url, credentials, failure):
    request, signed_at = botocore_signed(from_url, "GET", "http://127.0.0.1:9/examplebucket/a.jpg")
    err = failure(lambda: verify(request, credentials, signed_at - timedelta(minutes=16)))
    assert (err.status, err.code) == (403, "RequestTimeTooSkewed")
    assert err.extra["MaxAllowedSkewMilliseconds"] == "900000"
    assert err.extra["RequestTime"] == request.header("x-amz-date")


def test_content_sha256_that_is_neither_hash_nor_literal_is_invalid(from_url, credentials, failure):
    request, signed_at = botocore_signed(from_url, "GET", "http://127.0.0.1:9/examplebucket/a.jpg")
    request = replace(request, headers={**request.headers, "X-Amz-Content-SHA256": "STREAMING-MAYBE"})
    err = failure(lambda: verify(request, credentials, signed_at))
    assert (err.status, err.code, err.extra["ArgumentName"]) == (400, "InvalidArgument", "x-amz-content-sha256")


def test_malformed_authorization_header_is_invalid_argument(from_url, credentials, failure):
    request = from_url(
        "GET",
        "http://127.0.0.1/examplebucket/a.jpg",
        {"Authorization": "AWS4-HMAC-SHA256 Credential=ak/20130524/us-east-1/s3/aws4_request"},
    )
    err = failure(lambda: verify(request, credentials, AWS_DOC_NOW))
    assert (err.status, err.code, err.extra["ArgumentName"]) == (400, "InvalidArgument", "Authorization")


def test_unsigned_headers_are_reported_and_botocore_signs_every_x_amz_header(from_url, credentials):
    request, signed_at = botocore_signed(
        from_url, "PUT", "http://127.0.0.1:9/examplebucket/copy.jpg", b"",
        {"x-amz-copy-source": "/examplebucket/a.jpg", "x-amz-meta-owner": "me"},
    )
    added = replace(request, headers={**request.headers, "x-oss-copy-source": "/vault/secret.txt"})
    unsigned = verify(added, credentials, signed_at).unsigned_headers
    assert "x-oss-copy-source" in unsigned
    assert not {name for name in unsigned if name.startswith("x-amz-")}


@pytest.mark.parametrize(("signed", "missing"), [
    ("range;x-amz-content-sha256;x-amz-date", "host"),
    ("host;range;x-amz-date", "x-amz-content-sha256"),
    ("host;range;x-amz-content-sha256", "x-amz-date"),
])
def test_header_signature_must_sign_host_date_and_payload_hash(from_url, credentials, failure, signed, missing):
    headers = {
        "Range": "bytes=0-9", "x-amz-date": "20130524T000000Z", "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        f"SignedHeaders={signed},Signature=" + "0" * 64,
    }
    request = from_url("GET", "http://127.0.0.1:9/examplebucket/test.txt", headers)
    err = failure(lambda: verify(request, credentials, AWS_DOC_NOW))
    assert (err.status, err.code, err.extra["HeadersNotSigned"]) == (403, "AccessDenied", missing)


def test_presigned_url_must_sign_host(from_url, credentials, failure):
    url = AWS_DOC_PRESIGNED.replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=x-amz-content-sha256")
    request = from_url("GET", url, {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}, virtual_host_domain="s3.amazonaws.com")
    err = failure(lambda: verify(request, credentials, AWS_DOC_NOW))
    assert (err.status, err.code, err.extra["HeadersNotSigned"]) == (403, "AccessDenied", "host")
