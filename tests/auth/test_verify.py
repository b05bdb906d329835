"""The dispatcher: anonymous requests, one mechanism only, unsupported schemes, and real clients on the wire."""

import io
import subprocess
import sys
from datetime import UTC, datetime

import boto3
import oss2
import pytest
from botocore.config import Config

from proxy.auth import verify
from proxy.auth.verify import ONE_MECHANISM


def test_request_without_any_signature_is_anonymous(from_url, credentials):
    request = from_url("GET", "http://127.0.0.1/examplebucket/a.jpg?x-oss-process=image%2Finfo")
    assert verify(request, credentials, datetime.now(UTC)) is None


@pytest.mark.parametrize(
    "query",
    [
        "X-Amz-Algorithm=AWS4-HMAC-SHA256",
        "x-oss-signature-version=OSS4-HMAC-SHA256",
        "OSSAccessKeyId=ak",
        "AWSAccessKeyId=ak",
    ],
)
def test_header_and_query_signature_together_are_refused(from_url, credentials, failure, query):
    request = from_url("GET", f"http://127.0.0.1/examplebucket/a.jpg?{query}", {"Authorization": "OSS ak:sig"})
    err = failure(lambda: verify(request, credentials, datetime.now(UTC)))
    assert (err.status, err.code) == (400, "InvalidArgument")
    assert err.message.startswith("Only one auth mechanism allowed")


def test_two_kinds_of_presigned_parameters_are_refused(from_url, credentials, failure):
    request = from_url("GET", "http://127.0.0.1/examplebucket/a.jpg?OSSAccessKeyId=ak&X-Amz-Signature=00")
    assert failure(lambda: verify(request, credentials, datetime.now(UTC))).code == "InvalidArgument"


@pytest.mark.parametrize(
    "authorization", ["AWS3-HTTPS AWSAccessKeyId=ak,Signature=x", "OSS3 AccessKeyId:ak,Signature:x", "Bearer token"]
)
def test_unsupported_authorization_type_is_invalid_argument(from_url, credentials, failure, authorization):
    request = from_url("GET", "http://127.0.0.1/examplebucket/a.jpg", {"Authorization": authorization})
    err = failure(lambda: verify(request, credentials, datetime.now(UTC)))
    assert (err.status, err.code, err.message) == (400, "InvalidArgument", "Unsupported Authorization Type")


def test_signature_parameter_goes_with_aws_v2_when_awsaccesskeyid_is_present(from_url, credentials, failure):
    request = from_url("GET", "http://127.0.0.1/examplebucket/a.jpg?AWSAccessKeyId=ak&Expires=1&Signature=x")
    err = failure(lambda: verify(request, credentials, datetime.now(UTC)))
    assert (err.status, err.code) == (403, "AccessDenied") and "expired" in err.message


def test_aws_v2_and_oss_v1_access_keys_together_are_refused(from_url, credentials, failure):
    request = from_url("GET", "http://127.0.0.1/examplebucket/a.jpg?AWSAccessKeyId=ak&OSSAccessKeyId=ak&Signature=x")
    err = failure(lambda: verify(request, credentials, datetime.now(UTC)))
    assert (err.code, err.message) == ("InvalidArgument", ONE_MECHANISM)


def test_boto3_put_and_get_on_the_wire_verify(recorder, recorded, credentials):
    client = boto3.client(
        "s3",
        endpoint_url=recorder.url,
        aws_access_key_id="ak",
        aws_secret_access_key="sk",
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )
    client.put_object(Bucket="examplebucket", Key="dir/a b+c.txt", Body=b"hello world", ContentType="text/plain")
    client.upload_fileobj(io.BytesIO(b"x" * 70_000), "examplebucket", "big.bin")
    client.get_object(Bucket="examplebucket", Key="dir/a b+c.txt", Range="bytes=0-4")
    for index in range(3):
        request, _ = recorded(recorder, index)
        identity = verify(request, credentials, datetime.now(UTC))
        assert (identity.access_key_id, identity.scheme) == ("ak", "aws-sigv4")
    put, body = recorded(recorder, 0)
    assert put.key == "dir/a b+c.txt" and body == b"hello world"
    # Over plain http boto3 signs the body's SHA-256 itself, with a CRC32 header: no aws-chunked framing.
    assert verify(put, credentials, datetime.now(UTC)).content_sha256 == (
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
    )
    assert put.header("content-encoding") is None and put.header("x-amz-checksum-crc32")


@pytest.mark.parametrize(
    "auth,scheme",
    [
        (oss2.Auth("ak", "sk"), "oss-v1"),
        (oss2.AuthV4("ak", "sk"), "oss-v4"),
    ],
)
def test_oss2_put_and_get_on_the_wire_verify(recorder, recorded, credentials, auth, scheme):
    bucket = oss2.Bucket(auth, recorder.url, "examplebucket", region="cn-hangzhou")
    bucket.put_object("dir/a b+c.jpg", b"hello", headers={"x-oss-meta-owner": "me", "Content-Type": "image/jpeg"})
    bucket.get_object(
        "dir/a b+c.jpg",
        process="image/resize,w_100",
        params={"response-content-disposition": 'attachment; filename="a b.jpg"'},
    )
    for index in range(2):
        request, _ = recorded(recorder, index)
        assert request.key == "dir/a b+c.jpg"
        identity = verify(request, credentials, datetime.now(UTC))
        assert (identity.scheme, identity.unsigned_query) == (scheme, frozenset())


def test_auth_package_loads_no_server_or_upstream_code():
    probe = (
        "import sys, proxy.auth; print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('aiohttp', 'aiobotocore', 'botocore') "
        "or m.startswith(('proxy.front', 'proxy.upstream', 'proxy.app'))))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
