"""Attacks on signatures replayed against a running Osprey: each must be refused, and what it was after
(private bytes, a processed private image) must stay out of reach."""

import hashlib
import hmac
from datetime import UTC, datetime

import alibabacloud_oss_v2 as oss_v2
import boto3
import oss2
import pytest
import requests

from proxy.front.services import SERVICES
from proxy.grammar.params import encode_b64

from .clients import in_thread, oss_bucket, s3_client
from .conftest import CLIENT_KEY, CLIENT_SECRET, local_config
from .test_watermark_e2e import decode, png
from .xml import error_of

OSS_AUTHS = [pytest.param(oss2.Auth(CLIENT_KEY, CLIENT_SECRET), id="oss-v1"),
             pytest.param(oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET), id="oss-v4")]
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
RED, BLUE = (220, 20, 20), (20, 20, 220)


def v2_presigner(client):
    """boto3 as an app has it (no signature_version): presigned URLs are AWS signature V2."""
    return boto3.client("s3", endpoint_url=str(client.make_url("/")).rstrip("/"), region_name="us-east-1",
                        aws_access_key_id=CLIENT_KEY, aws_secret_access_key=CLIENT_SECRET)


def not_signed(err: dict) -> tuple[str, str]:
    return err["Code"], err.get("HeadersNotSigned", "")


# Hole 2: a presigned PUT carrying an unsigned copy source.

async def _refused_put(url: str, header: str, local_root) -> None:
    resp = await in_thread(requests.put, url, data=b"", headers={header: "/vault/secret.txt"}, timeout=10)
    assert resp.status_code == 403, resp.text
    assert b"<Code>AccessDenied</Code>" in resp.content
    assert f"<HeadersNotSigned>{header}</HeadersNotSigned>".encode() in resp.content
    assert not (local_root / "photos" / "stolen.txt").exists()


async def test_presigned_put_with_unsigned_copy_source_is_refused(make_client, local_root):
    client = await make_client()
    url = s3_client(client.make_url("/")).generate_presigned_url(
        "put_object", Params={"Bucket": "photos", "Key": "stolen.txt"})
    assert "X-Amz-SignedHeaders=host" in url
    await _refused_put(url, "x-amz-copy-source", local_root)
    await _refused_put(url, "x-oss-copy-source", local_root)
    assert (await client.get("/photos/stolen.txt")).status == 404
    # The URL itself still does what it was signed for.
    ok = await in_thread(requests.put, url, data=b"mine", timeout=10)
    assert ok.status_code == 200, ok.text
    assert (local_root / "photos" / "stolen.txt").read_bytes() == b"mine"


async def test_v2_presigned_put_with_unsigned_oss_copy_source_is_refused(make_client, local_root):
    client = await make_client()
    url = v2_presigner(client).generate_presigned_url("put_object", Params={"Bucket": "photos", "Key": "stolen.txt"})
    assert "AWSAccessKeyId=" in url
    await _refused_put(url, "x-oss-copy-source", local_root)


@pytest.mark.parametrize("auth", OSS_AUTHS)
async def test_oss_signature_with_unsigned_amz_copy_source_is_refused(make_client, local_root, auth):
    client = await make_client()
    photos = oss_bucket(client.make_url("/"), auth, "photos")
    await _refused_put(photos.sign_url("PUT", "stolen.txt", 60), "x-amz-copy-source", local_root)
    # The SDK's own header signature, with the header added: OSS signs x-oss-* only.
    with pytest.raises(oss2.exceptions.ServerError) as info:
        await in_thread(photos.put_object, "stolen.txt", b"", headers={"x-amz-copy-source": "/vault/secret.txt"})
    assert (info.value.status, info.value.code) == (403, "AccessDenied")
    assert not (local_root / "photos" / "stolen.txt").exists()


async def test_signed_copies_still_work_in_either_dialect(make_client, local_root):
    client = await make_client()
    s3 = s3_client(client.make_url("/"))
    await in_thread(s3.copy_object, Bucket="photos", Key="copy.txt", CopySource="/vault/secret.txt")
    assert (local_root / "photos" / "copy.txt").read_bytes() == b"top secret"
    vault = oss_bucket(client.make_url("/"), oss2.Auth(CLIENT_KEY, CLIENT_SECRET), "vault")
    await in_thread(vault.copy_object, "vault", "secret.txt", "copy.txt")
    assert (local_root / "vault" / "copy.txt").read_bytes() == b"top secret"


# Hole 8: SigV4 signatures that leave out Host (or the date and payload hash).

def sigv4_headers(host: str, path: str, signed: list[str], secret: str = CLIENT_SECRET) -> dict[str, str]:
    """A SigV4 header signature over exactly `signed`, written out from the AWS documentation."""
    now = datetime.now(UTC)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    headers = {"host": host, "x-amz-date": stamp, "x-amz-content-sha256": UNSIGNED_PAYLOAD}
    lines = "".join(f"{name}:{headers[name]}\n" for name in signed)
    canonical = f"GET\n{path}\n\n{lines}\n{';'.join(signed)}\n{UNSIGNED_PAYLOAD}"
    scope = f"{day}/us-east-1/s3/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = ("AWS4" + secret).encode()
    for part in (day, "us-east-1", "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = (f"AWS4-HMAC-SHA256 Credential={CLIENT_KEY}/{scope}, SignedHeaders={';'.join(signed)}, "
                     f"Signature={signature}")
    return {**headers, "Authorization": authorization}


async def test_sigv4_without_host_does_not_replay_against_another_bucket(make_client, local_root):
    client = await make_client(server={"virtual_host_domain": "osprey.test"})
    (local_root / "photos" / "secret.txt").write_bytes(b"public copy")
    full = sigv4_headers("photos.osprey.test", "/secret.txt", ["host", "x-amz-content-sha256", "x-amz-date"])
    ok = await client.get("/secret.txt", headers=full)
    assert (ok.status, await ok.read()) == (200, b"public copy")  # the signer is right
    hostless = sigv4_headers("photos.osprey.test", "/secret.txt", ["x-amz-content-sha256", "x-amz-date"])
    for host in ("photos.osprey.test", "vault.osprey.test"):
        replayed = await client.get("/secret.txt", headers={**hostless, "host": host})
        assert replayed.status == 403, host
        assert not_signed(await error_of(replayed)) == ("AccessDenied", "host")


@pytest.mark.parametrize(("signed", "missing"), [
    (["host", "x-amz-date"], "x-amz-content-sha256"),
    (["host", "x-amz-content-sha256"], "x-amz-date"),
])
async def test_sigv4_header_must_sign_its_date_and_payload_hash(make_client, signed, missing):
    client = await make_client()
    resp = await client.get("/vault/secret.txt", headers=sigv4_headers(f"{client.host}:{client.port}",
                                                                       "/vault/secret.txt", signed))
    assert resp.status == 403
    assert not_signed(await error_of(resp)) == ("AccessDenied", missing)


async def test_presigned_sigv4_without_host_is_refused(make_client):
    client = await make_client()
    url = s3_client(client.make_url("/")).generate_presigned_url(
        "get_object", Params={"Bucket": "vault", "Key": "secret.txt"})
    hostless = url.replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=x-amz-content-sha256")
    resp = await in_thread(requests.get, hostless, headers={"x-amz-content-sha256": UNSIGNED_PAYLOAD}, timeout=10)
    assert resp.status_code == 403
    assert b"<HeadersNotSigned>host</HeadersNotSigned>" in resp.content


# Hole 3: x-oss-process appended to a URL signature that does not cover it.

@pytest.fixture
def private_images(local_root):
    (local_root / "vault" / "secret.jpg").write_bytes(png((100, 50), RED))
    (local_root / "vault" / "logo.png").write_bytes(png((100, 50), BLUE))
    return local_root


def watermark(key: str) -> str:
    return f"image/watermark,image_{encode_b64(key)},t_100,g_nw,x_0,y_0"


async def test_presigned_v2_get_with_appended_process_reads_as_anonymous(make_client, private_images):
    client = await make_client()
    url = v2_presigner(client).generate_presigned_url("get_object", Params={"Bucket": "vault", "Key": "secret.jpg"})
    assert (await in_thread(requests.get, url, timeout=10)).status_code == 200  # as signed: fine
    resp = await in_thread(requests.get, f"{url}&x-oss-process={watermark('logo.png')}", timeout=10)
    assert resp.status_code == 403
    assert b"<Code>AccessDenied</Code>" in resp.content and b"does not cover x-oss-process" in resp.content


async def test_oss_v1_signed_url_with_appended_process_reads_as_anonymous(make_client, private_images):
    client = await make_client()
    vault = oss_bucket(client.make_url("/"), oss2.Auth(CLIENT_KEY, CLIENT_SECRET), "vault")
    url = vault.sign_url("GET", "secret.jpg", 60)
    resp = await in_thread(requests.get, f"{url}&x-oss-process=image/resize,w_10", timeout=10)
    assert resp.status_code == 403 and b"<Code>AccessDenied</Code>" in resp.content
    signed = vault.sign_url("GET", "secret.jpg", 60, params={"x-oss-process": "image/resize,w_10"})
    ok = await in_thread(requests.get, signed, timeout=10)
    assert ok.status_code == 200 and decode(ok.content).size == (10, 5)  # process inside the signature


async def test_appended_signed_only_actions_are_refused_on_a_public_bucket(make_client):
    client = await make_client()
    url = v2_presigner(client).generate_presigned_url("get_object", Params={"Bucket": "photos", "Key": "red.jpg"})
    resp = await in_thread(requests.get, f"{url}&x-oss-process=image/codes", timeout=10)
    assert resp.status_code == 403 and b"needs a signed request" in resp.content
    allowed = await in_thread(requests.get, f"{url}&x-oss-process=image/resize,w_50", timeout=10)
    assert allowed.status_code == 200 and decode(allowed.content).size == (50, 25)  # as anyone may
    # A signed request is never remembered for anonymous callers, even one that read as anonymous.
    assert not any("Signature=" in memo[3] for memo in client.server.app[SERVICES].anonymous_reads)


async def test_trust_unsigned_process_restores_the_signature_for_the_chain(make_client, local_root,
                                                                          private_images):
    client = await make_client(local_config(local_root, server={"trust_unsigned_process": True}))
    url = v2_presigner(client).generate_presigned_url("get_object", Params={"Bucket": "vault", "Key": "secret.jpg"})
    resp = await in_thread(requests.get, f"{url}&x-oss-process={watermark('logo.png')}", timeout=10)
    assert resp.status_code == 200, resp.text
    assert decode(resp.content).convert("RGB").getpixel((10, 10)) == pytest.approx(BLUE, abs=8)


def _v2_sdk_v1_get(endpoint: str, bucket: str, key: str, process: str) -> bytes:
    """The alibabacloud-oss-v2 SDK with its V1 signer, which leaves x-oss-process out of the signature."""
    config = oss_v2.config.load_default()
    config.credentials_provider = oss_v2.credentials.StaticCredentialsProvider(CLIENT_KEY, CLIENT_SECRET)
    config.region, config.endpoint, config.use_path_style = "cn-hangzhou", endpoint.rstrip("/"), True
    config.signature_version = "v1"
    client = oss_v2.Client(config)
    return client.get_object(oss_v2.GetObjectRequest(bucket=bucket, key=key, process=process)).body.read()


@pytest.mark.parametrize("trust", [False, True])
async def test_oss_v2_sdk_v1_signer_processes_private_objects_only_when_trusted(make_client, local_root,
                                                                               private_images, trust):
    client = await make_client(local_config(local_root, server={"trust_unsigned_process": trust}))
    endpoint = str(client.make_url("/"))
    if trust:
        body = await in_thread(_v2_sdk_v1_get, endpoint, "vault", "secret.jpg", "image/resize,w_10")
        assert decode(body).size == (10, 5)
        return
    with pytest.raises(oss_v2.exceptions.OperationError) as info:
        await in_thread(_v2_sdk_v1_get, endpoint, "vault", "secret.jpg", "image/resize,w_10")
    assert "AccessDenied" in str(info.value)


# Hole 7: a watermark that reads a protected object.

@pytest.fixture
def protected(local_root):
    (local_root / "photos" / "base.png").write_bytes(png((100, 50), BLUE))
    (local_root / "photos" / "secret.jpg").write_bytes(png((100, 50), RED))
    return {"photos": {"anonymous": "read", "protect_source": ["jpg"],
                       "styles": {"marked": watermark("secret.jpg")}}}


async def test_watermark_cannot_read_a_protected_source_anonymously(make_client, protected):
    client = await make_client(buckets=protected)
    resp = await client.get(f"/photos/base.png?x-oss-process={watermark('secret.jpg')}")
    assert resp.status == 403
    err = await error_of(resp)
    assert err["Code"] == "AccessDenied" and "'secret.jpg' is protected" in err["Message"]
    # A mark's own pre-processing takes resize, crop, rotate and indexcrop only: no signed-only action rides in it.
    nested = encode_b64("secret.jpg?x-oss-process=image/codes")
    smuggled = await client.get(f"/photos/base.png?x-oss-process=image/watermark,image_{nested}")
    assert (smuggled.status, (await error_of(smuggled))["Code"]) == (400, "InvalidArgument")
    # The bucket owner's style may use it; so may a signed caller.
    styled = await client.get("/photos/base.png?x-oss-process=style/marked")
    assert styled.status == 200
    assert decode(await styled.read()).convert("RGB").getpixel((10, 10)) == pytest.approx(RED, abs=8)
    photos = oss_bucket(client.make_url("/"), oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET), "photos")
    body = await in_thread(lambda: photos.get_object("base.png", process=watermark("secret.jpg")).read())
    assert decode(body).convert("RGB").getpixel((10, 10)) == pytest.approx(RED, abs=8)
