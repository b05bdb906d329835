"""AWS signature V2 (HMAC-SHA1): AWS documentation vectors, botocore-made vectors (boto3 presigns with V2 by
default), odd keys, tampering and time rules."""

import base64
import hashlib
import hmac
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime

import boto3
import pytest
from botocore.auth import HmacV1Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from proxy.auth import verify

ODD_KEYS = ["a b.jpg", "a+b.jpg", "zoë/日本.jpg", "x~y!*'()$&,;=:@.jpg", "%41.txt", "dir//double slash"]
DOC_VIRTUAL_HOST = {"virtual_host_domain": "s3.amazonaws.com"}


def default_client(endpoint="http://127.0.0.1:9", **config):
    """A boto3 client as an app has it: no signature_version, so presigned URLs are V2."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="ak",
        aws_secret_access_key="sk",
        region_name="us-east-1",
        config=Config(**config),
    )


def presigned(operation="get_object", expires_in=60, client=None, **params):
    url = (client or default_client()).generate_presigned_url(
        operation, Params={"Bucket": "examplebucket", **params}, ExpiresIn=expires_in
    )
    assert "AWSAccessKeyId=ak" in url, "boto3's default presigned URL is no longer signature V2"
    return url


def expires_of(request):
    return datetime.fromtimestamp(int(request.param("Expires")), UTC)


def botocore_signed(from_url, method, url, headers=None):
    """Sign with botocore's own V2 header signer; returns the request and the Date it stamped."""
    request = AWSRequest(method=method, url=url, headers=headers or {})
    HmacV1Auth(Credentials("ak", "sk")).add_auth(request)
    return from_url(method, url, dict(request.headers.items())), parsedate_to_datetime(request.headers["Date"])


def sign_v2(string_to_sign, secret="sk"):
    return base64.b64encode(hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()


def test_aws_documentation_header_example_verifies(from_url, credentials):
    headers = {
        "Date": "Tue, 27 Mar 2007 19:36:42 +0000",
        "Authorization": "AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=",
    }
    request = from_url("GET", "http://johnsmith.s3.amazonaws.com/photos/puppy.jpg", headers, **DOC_VIRTUAL_HOST)
    identity = verify(request, credentials, datetime(2007, 3, 27, 19, 40, tzinfo=UTC))
    assert (identity.access_key_id, identity.scheme, identity.presigned) == ("AKIAIOSFODNN7EXAMPLE", "aws-sigv2", False)


def test_aws_documentation_query_string_example_verifies(from_url, credentials):
    url = (
        "http://johnsmith.s3.amazonaws.com/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE"
        "&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620"
    )
    identity = verify(from_url("GET", url, **DOC_VIRTUAL_HOST), credentials, datetime(2007, 3, 28, tzinfo=UTC))
    assert (identity.scheme, identity.presigned, identity.unsigned_query) == ("aws-sigv2", True, frozenset())


@pytest.mark.parametrize("key", ODD_KEYS)
def test_default_boto3_presigned_url_verifies_for_odd_keys(from_url, credentials, key):
    url = presigned(Key=key, ResponseContentType="image/jpeg; a=b c", ResponseContentDisposition='inline; f="x+y"')
    request = from_url("GET", url)
    assert request.key == key
    identity = verify(request, credentials, datetime.now(UTC))
    assert (identity.scheme, identity.presigned, identity.unsigned_query) == ("aws-sigv2", True, frozenset())


def test_botocore_signs_the_key_percent_encoded_as_sent(from_url, failure, caplog):
    with caplog.at_level(logging.DEBUG, logger="botocore.auth"):
        url = presigned(Key="zoë/a b+c%.jpg", ResponseContentType="text/plain")
    string_to_sign = next(r.args[0] for r in caplog.records if r.msg.startswith("StringToSign"))
    assert string_to_sign.endswith("\n/examplebucket/zo%C3%AB/a%20b%2Bc%25.jpg?response-content-type=text/plain")
    err = failure(lambda: verify(from_url("GET", url), {"ak": "wrong"}, datetime.now(UTC)))
    assert err.extra["StringToSign"] == string_to_sign


def test_presigned_put_with_content_type_and_metadata_moved_into_the_query_verifies(from_url, credentials, failure):
    url = presigned("put_object", Key="up/a b.txt", ContentType="text/plain", Metadata={"owner": "me"})
    assert "content-type=text%2Fplain" in url and "x-amz-meta-owner=me" in url
    identity = verify(from_url("PUT", url), credentials, datetime.now(UTC))
    assert identity.unsigned_query == frozenset()
    forged = url.replace("x-amz-meta-owner=me", "x-amz-meta-owner=mallory")
    assert failure(lambda: verify(from_url("PUT", forged), credentials, datetime.now(UTC))).code == (
        "SignatureDoesNotMatch"
    )


def test_virtual_hosted_presigned_url_signs_the_bucket_in_the_resource(from_url, credentials):
    client = default_client("http://osprey.test:9", s3={"addressing_style": "virtual"})
    url = presigned(client=client, Key="dir/a b.jpg")
    assert url.startswith("http://examplebucket.osprey.test:9/dir/a%20b.jpg?")
    request = from_url("GET", url, virtual_host_domain="osprey.test")
    assert verify(request, credentials, datetime.now(UTC)).scheme == "aws-sigv2"


@pytest.mark.parametrize(
    "operation,params",
    [("list_objects", {}), ("get_object_acl", {"Key": "k"}), ("get_object", {"Key": "k", "VersionId": ""})],
)
def test_bucket_level_and_bare_subresource_urls_verify(from_url, credentials, operation, params):
    identity = verify(from_url("GET", presigned(operation, **params)), credentials, datetime.now(UTC))
    assert identity.presigned


def test_empty_subresource_is_signed_as_sent(from_url, credentials, failure):
    # botocore signs `versionId=` when the URL carries `versionId=`, and a bare `acl` when it carries `acl`.
    url = presigned(Key="k", VersionId="")
    assert "versionId=&" in url
    bare = from_url("GET", url.replace("versionId=&", "versionId&"))
    assert failure(lambda: verify(bare, credentials, datetime.now(UTC))).code == "SignatureDoesNotMatch"


def test_service_level_url_verifies(from_url, credentials):
    url = default_client().generate_presigned_url("list_buckets")
    request = from_url("GET", url)
    assert (request.bucket, request.key) == ("", "")
    assert verify(request, credentials, datetime.now(UTC)).presigned


def test_parameters_outside_the_subresource_list_are_reported_unsigned(from_url, credentials):
    url = presigned(Key="a.jpg") + "&x-oss-process=image%2Fresize%2Cw_100"
    identity = verify(from_url("GET", url), credentials, datetime.now(UTC))
    assert identity.unsigned_query == frozenset({"x-oss-process"})


@pytest.mark.parametrize("key", ODD_KEYS)
def test_botocore_header_signature_verifies_for_odd_keys(from_url, credentials, key):
    url = presigned(Key=key).partition("?")[0] + "?response-content-type=image%2Fpng&acl"
    headers = {"Content-Type": "image/png", "Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg==", "x-amz-meta-Owner": " me "}
    request, signed_at = botocore_signed(from_url, "PUT", url, headers)
    assert request.key == key
    identity = verify(request, credentials, signed_at)
    assert (identity.scheme, identity.presigned, identity.unsigned_query) == ("aws-sigv2", False, frozenset())


def test_x_amz_date_empties_the_date_line_and_botocores_form_is_accepted_too(from_url, credentials, failure):
    stamp = formatdate(1_700_000_000, usegmt=True)
    now = parsedate_to_datetime(stamp)
    # S3 documents (and aws-sdk-js signs) an empty Date line when x-amz-date is sent; botocore signs Date anyway.
    documented = sign_v2(f"GET\n\n\n\nx-amz-date:{stamp}\n/examplebucket/a.jpg")
    headers = {"x-amz-date": stamp, "Date": "ignored", "Authorization": f"AWS ak:{documented}"}
    request = from_url("GET", "http://127.0.0.1:9/examplebucket/a.jpg", headers)
    assert verify(request, credentials, now).scheme == "aws-sigv2"
    request, signed_at = botocore_signed(
        from_url, "GET", "http://127.0.0.1:9/examplebucket/a.jpg", {"x-amz-date": stamp}
    )
    assert verify(request, credentials, now).scheme == "aws-sigv2"
    # The x-amz-date is the one the clock checks, not Date.
    err = failure(lambda: verify(request, credentials, signed_at))
    assert (err.code, err.extra["RequestTime"]) == ("RequestTimeTooSkewed", stamp)


def test_boto3_with_signature_version_s3_on_the_wire_verifies(recorder, recorded, credentials):
    client = default_client(recorder.url, signature_version="s3", s3={"addressing_style": "path"})
    client.put_object(Bucket="examplebucket", Key="dir/a b+ü.txt", Body=b"hello", ContentType="text/plain")
    client.get_object(Bucket="examplebucket", Key="dir/a b+ü.txt", Range="bytes=0-1", ResponseContentType="x/y")
    for index in range(2):
        request, _ = recorded(recorder, index)
        assert request.key == "dir/a b+ü.txt" and request.header("authorization").startswith("AWS ak:")
        assert verify(request, credentials, datetime.now(UTC)).scheme == "aws-sigv2"


@pytest.mark.parametrize("tamper", ["path", "signed sub-resource", "secret"])
def test_tampered_presigned_url_is_refused(from_url, credentials, failure, tamper):
    request = from_url("GET", presigned(Key="dir/a b.jpg", ResponseContentType="image/jpeg"))
    if tamper == "path":
        request = replace(request, raw_path="/examplebucket/dir/a%20c.jpg", key="dir/a c.jpg")
    elif tamper == "signed sub-resource":
        request = replace(request, raw_query=request.raw_query.replace("image%2Fjpeg", "text%2Fhtml"))
    else:
        credentials = {"ak": "not-the-secret"}
    err = failure(lambda: verify(request, credentials, datetime.now(UTC)))
    assert (err.status, err.code) == (403, "SignatureDoesNotMatch")
    assert err.extra["SignatureProvided"] == request.param("Signature")
    expires = request.param("Expires")
    resource = f"/examplebucket/{request.raw_path.partition('/examplebucket/')[2]}"
    content_type = request.param("response-content-type")
    assert err.extra["StringToSign"] == f"GET\n\n\n{expires}\n{resource}?response-content-type={content_type}"


def test_tampered_header_signature_is_refused(from_url, credentials, failure):
    url = "http://127.0.0.1:9/examplebucket/a.jpg"
    request, signed_at = botocore_signed(from_url, "GET", url, {"x-amz-meta-owner": "me"})
    request = replace(request, headers={**request.headers, "x-amz-meta-owner": "mallory"})
    err = failure(lambda: verify(request, credentials, signed_at))
    assert (err.status, err.code) == (403, "SignatureDoesNotMatch")
    assert "\nx-amz-meta-owner:mallory\n/examplebucket/a.jpg" in err.extra["StringToSign"]


def test_unknown_access_key_is_refused(from_url, failure):
    err = failure(lambda: verify(from_url("GET", presigned(Key="a.jpg")), {"other": "sk"}, datetime.now(UTC)))
    assert (err.status, err.code, err.extra["AWSAccessKeyId"]) == (403, "InvalidAccessKeyId", "ak")
    assert err.message == "The AWS Access Key Id you provided does not exist in our records."


def test_expired_presigned_url_is_refused(from_url, credentials, failure):
    request = from_url("GET", presigned(Key="a.jpg", expires_in=1))
    expires_at = expires_of(request)
    assert verify(request, credentials, expires_at).presigned
    err = failure(lambda: verify(request, credentials, expires_at + timedelta(seconds=1)))
    assert (err.status, err.code) == (403, "AccessDenied")
    assert "expired" in err.message and expires_at.strftime("%Y-%m-%dT%H:%M:%SZ") in err.message


@pytest.mark.parametrize("offset", [timedelta(minutes=16), -timedelta(minutes=16)])
def test_header_signature_outside_fifteen_minutes_is_too_skewed(from_url, credentials, failure, offset):
    request, signed_at = botocore_signed(from_url, "GET", "http://127.0.0.1:9/examplebucket/a.jpg")
    assert verify(request, credentials, signed_at + offset / 2).scheme == "aws-sigv2"
    err = failure(lambda: verify(request, credentials, signed_at + offset))
    assert (err.status, err.code, err.ec) == (403, "RequestTimeTooSkewed", "0002-00000504")
    assert err.extra["RequestTime"] == request.header("date")


def test_header_signature_without_a_date_is_refused(from_url, credentials, failure):
    request = from_url("GET", "http://127.0.0.1/examplebucket/a.jpg", {"Authorization": "AWS ak:c2ln"})
    err = failure(lambda: verify(request, credentials, datetime.now(UTC)))
    assert (err.status, err.code, err.message) == (403, "AccessDenied", "AWS authentication requires a valid Date.")


def test_malformed_authorization_header_is_invalid_argument(from_url, credentials, failure):
    headers = {"Authorization": "AWS no-colon", "Date": formatdate(usegmt=True)}
    request = from_url("GET", "http://127.0.0.1/examplebucket/a.jpg", headers)
    err = failure(lambda: verify(request, credentials, datetime.now(UTC)))
    assert (err.status, err.code, err.extra["ArgumentName"]) == (400, "InvalidArgument", "Authorization")


def test_presigned_url_missing_expires_is_access_denied(from_url, credentials, failure):
    request = from_url("GET", "http://127.0.0.1/examplebucket/a.jpg?AWSAccessKeyId=ak&Signature=c2ln")
    err = failure(lambda: verify(request, credentials, datetime.now(UTC)))
    assert (err.status, err.code) == (403, "AccessDenied")
    assert err.message == "A V2 signed URL needs AWSAccessKeyId, Expires and Signature."


def test_every_x_amz_header_is_signed_and_x_oss_ones_are_reported_unsigned(from_url, credentials):
    request, signed_at = botocore_signed(
        from_url, "PUT", "http://127.0.0.1:9/examplebucket/copy.jpg", {"x-amz-copy-source": "/examplebucket/a.jpg"}
    )
    added = replace(request, headers={**request.headers, "x-oss-copy-source": "/vault/secret.txt"})
    unsigned = verify(added, credentials, signed_at).unsigned_headers
    assert "x-oss-copy-source" in unsigned and "x-amz-copy-source" not in unsigned and "date" not in unsigned
