"""Real clients sign against Osprey: boto3 (SigV4 header and presigned) and oss2 (V1 and V4)."""

import asyncio
import base64
import hmac
import io
import time
from email.utils import formatdate

import boto3
import oss2
import pytest
import requests
from PIL import Image

from .clients import in_thread as _in_thread
from .clients import oss_bucket, s3_client
from .conftest import CLIENT_KEY, CLIENT_SECRET
from .xml import error_of


def _boto3(client, key=CLIENT_KEY, secret=CLIENT_SECRET):
    return s3_client(client.make_url("/"), key, secret)


def _oss(client, auth, bucket="vault"):
    return oss_bucket(client.make_url("/"), auth, bucket)


async def test_boto3_signed_get_reads_a_private_bucket(make_client):
    client = await make_client()
    s3 = _boto3(client)

    def get():
        return s3.get_object(Bucket="vault", Key="secret.txt")["Body"].read()

    assert await _in_thread(get) == b"top secret"


async def test_boto3_presigned_url_works_and_tampering_fails(make_client):
    client = await make_client()
    url = _boto3(client).generate_presigned_url("get_object", Params={"Bucket": "vault", "Key": "secret.txt"})
    ok = await _in_thread(requests.get, url, timeout=10)
    assert ok.status_code == 200 and ok.content == b"top secret"
    tampered = await _in_thread(requests.get, url.replace("secret.txt", "secret.txT"), timeout=10)
    assert tampered.status_code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in tampered.content


async def test_boto3_wrong_secret_and_unknown_key_are_refused(make_client):
    client = await make_client()
    for s3, code in (
        (_boto3(client, secret="wrong"), "SignatureDoesNotMatch"),
        (_boto3(client, key="nobody"), "InvalidAccessKeyId"),
    ):
        with pytest.raises(s3.exceptions.ClientError) as info:
            await _in_thread(s3.head_object, Bucket="vault", Key="secret.txt")
        assert info.value.response["Error"]["Code"] in (code, "403")
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


async def test_expired_presigned_url_says_it_expired(make_client):
    client = await make_client()
    s3 = _boto3(client)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "vault", "Key": "secret.txt"}, ExpiresIn=1)
    await asyncio.sleep(2.1)
    resp = await client.get(url[url.index("/vault"):])
    assert resp.status == 403
    err = await error_of(resp)
    assert err["Code"] == "AccessDenied" and "expired" in err["Message"].lower()


async def test_oss_v1_and_v4_clients_get_and_process(make_client):
    client = await make_client()
    for auth in (oss2.Auth(CLIENT_KEY, CLIENT_SECRET), oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET)):
        vault = _oss(client, auth)
        assert await _in_thread(lambda b=vault: b.get_object("secret.txt").read()) == b"top secret"
        photos = _oss(client, auth, "photos")
        body = await _in_thread(
            lambda b=photos: b.get_object("red.jpg", process="image/resize,m_fixed,w_40,h_30").read()
        )
        assert Image.open(io.BytesIO(body)).size == (40, 30)


async def test_oss_signed_urls_carry_the_process_string(make_client, local_root):
    client = await make_client()
    (local_root / "vault" / "red.jpg").write_bytes((local_root / "photos" / "red.jpg").read_bytes())
    for auth in (oss2.Auth(CLIENT_KEY, CLIENT_SECRET), oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET)):
        vault = _oss(client, auth)
        url = vault.sign_url("GET", "red.jpg", 60, params={"x-oss-process": "image/resize,w_50"})
        resp = await _in_thread(requests.get, url, timeout=10)
        assert resp.status_code == 200, resp.text
        assert Image.open(io.BytesIO(resp.content)).size == (50, 25)
        forged = url.replace("w_50", "w_60")
        assert (await _in_thread(requests.get, forged, timeout=10)).status_code == 403


async def test_oss_wrong_secret_and_clock_skew_are_refused(make_client):
    client = await make_client()
    wrong = _oss(client, oss2.Auth(CLIENT_KEY, "wrong"))
    with pytest.raises(oss2.exceptions.ServerError) as info:
        await _in_thread(wrong.get_object, "secret.txt")
    assert (info.value.status, info.value.code) == (403, "SignatureDoesNotMatch")
    stale = formatdate(time.time() - 3600, usegmt=True)
    string_to_sign = f"GET\n\n\n{stale}\n/vault/secret.txt"
    signature = base64.b64encode(hmac.new(CLIENT_SECRET.encode(), string_to_sign.encode(), "sha1").digest()).decode()
    headers = {"Date": stale, "Authorization": f"OSS {CLIENT_KEY}:{signature}"}
    resp = await client.get("/vault/secret.txt", headers=headers)
    assert resp.status == 403
    err = await error_of(resp)
    assert err["Code"] == "RequestTimeTooSkewed" and err["MaxAllowedSkewMilliseconds"] == "900000"
    headers["Date"] = formatdate(time.time(), usegmt=True)
    assert (await client.get("/vault/secret.txt", headers=headers)).status == 403  # signature no longer matches


async def test_default_config_boto3_presigned_url_is_signature_v2_and_fetches(make_client):
    client = await make_client()
    s3 = boto3.client(
        "s3", endpoint_url=str(client.make_url("/")).rstrip("/"), region_name="us-east-1",
        aws_access_key_id=CLIENT_KEY, aws_secret_access_key=CLIENT_SECRET,
    )
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "vault", "Key": "secret.txt"})
    assert "AWSAccessKeyId=" in url and "X-Amz-" not in url  # no signature_version: boto3 presigns with V2
    ok = await _in_thread(requests.get, url, timeout=10)
    assert ok.status_code == 200 and ok.content == b"top secret"
    tampered = await _in_thread(requests.get, url.replace("secret.txt", "secret.txT"), timeout=10)
    assert tampered.status_code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in tampered.content
