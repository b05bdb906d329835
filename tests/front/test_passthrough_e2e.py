"""The object API passed through to moto's S3 server by real clients (boto3, oss2), checked on moto itself."""

import datetime
import hashlib
import io
import ipaddress
import ssl

import alibabacloud_oss_v2 as oss_v2
import oss2
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image

from proxy.app import build_app

from .clients import in_thread, oss_bucket, s3_client
from .conftest import CLIENT_KEY, CLIENT_SECRET, jpeg_bytes, moto_config

MIB = 1024 * 1024
OSS_AUTHS = [pytest.param(oss2.Auth(CLIENT_KEY, CLIENT_SECRET), id="oss-v1"),
             pytest.param(oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET), id="oss-v4")]


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: boto3 sends aws-chunked bodies only over https."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
async def osprey_tls(aiohttp_server, moto_server, bucket, tls_files):
    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = await aiohttp_server(build_app(moto_config(moto_server)), ssl=context)
    return str(server.make_url("/"))


def _stored(moto, bucket, key):
    """(bytes, content type, the client's metadata) as moto holds them (less the CRC-64 Osprey keeps there)."""
    answer = moto.get_object(Bucket=bucket, Key=key)
    metadata = {name: value for name, value in answer["Metadata"].items() if name != "osprey-crc64"}
    return answer["Body"].read(), answer["ContentType"], metadata


def _keys(moto, bucket):
    return [item["Key"] for item in moto.list_objects_v2(Bucket=bucket).get("Contents", [])]


async def test_boto3_put_with_default_checksums_arrives_exactly(osprey, moto, bucket):
    s3 = s3_client(osprey)
    data = bytes(range(256)) * 4000
    put = await in_thread(s3.put_object, Bucket=bucket, Key="docs/a b+c.bin", Body=data, ContentType="text/x-test",
                          Metadata={"owner": "ana"}, CacheControl="max-age=60")
    stored = await in_thread(_stored, moto, bucket, "docs/a b+c.bin")
    assert stored == (data, "text/x-test", {"owner": "ana"})
    assert put["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    head = await in_thread(moto.head_object, Bucket=bucket, Key="docs/a b+c.bin")
    assert head["CacheControl"] == "max-age=60"


async def test_boto3_aws_chunked_put_over_https_arrives_decoded(osprey_tls, tls_files, moto, bucket):
    s3 = s3_client(osprey_tls, verify=str(tls_files[0]))
    data = bytes(range(256)) * 12_000  # 3 MB: several of botocore's chunks, with a CRC32 trailer
    calls = []
    s3.meta.events.register("before-send.s3.PutObject", lambda request, **_: calls.append(dict(request.headers)))
    await in_thread(s3.put_object, Bucket=bucket, Key="chunked.bin", Body=io.BytesIO(data), ContentType="image/png")
    # Lower-cased: botocore's CRT signer (used when awscrt is installed) writes its own headers in lower case.
    sent = {name.lower(): value.decode() if isinstance(value, bytes) else value for name, value in calls[0].items()}
    assert sent["content-encoding"] == "aws-chunked"
    assert sent["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    body, content_type, _ = await in_thread(_stored, moto, bucket, "chunked.bin")
    assert (body, content_type) == (data, "image/png")
    head = await in_thread(moto.head_object, Bucket=bucket, Key="chunked.bin")
    assert head["ContentLength"] == len(data) and "ContentEncoding" not in head


async def test_boto3_presigned_put_stores_the_body(osprey, moto, bucket):
    url = s3_client(osprey).generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up.txt"})
    resp = await in_thread(requests.put, url, data=b"presigned body", timeout=10)
    assert resp.status_code == 200, resp.text
    assert (await in_thread(_stored, moto, bucket, "up.txt"))[0] == b"presigned body"


async def test_boto3_multipart_upload_of_12_mb(osprey, moto, bucket):
    s3 = s3_client(osprey)
    data = bytes(range(251)) * (12 * MIB // 251 + 1)
    parts = [data[i:i + 5 * MIB] for i in range(0, len(data), 5 * MIB)]
    upload = (await in_thread(s3.create_multipart_upload, Bucket=bucket, Key="big.bin",
                              ContentType="video/mp4"))["UploadId"]
    done = []
    for number, part in enumerate(parts, 1):
        answer = await in_thread(s3.upload_part, Bucket=bucket, Key="big.bin", UploadId=upload,
                                 PartNumber=number, Body=part)
        done.append({"PartNumber": number, "ETag": answer["ETag"]})
    listed = await in_thread(s3.list_parts, Bucket=bucket, Key="big.bin", UploadId=upload)
    assert [p["Size"] for p in listed["Parts"]] == [len(p) for p in parts]
    uploads = await in_thread(s3.list_multipart_uploads, Bucket=bucket)
    assert [u["UploadId"] for u in uploads["Uploads"]] == [upload]
    await in_thread(s3.complete_multipart_upload, Bucket=bucket, Key="big.bin", UploadId=upload,
                    MultipartUpload={"Parts": done})
    assert len(parts) == 3
    assert await in_thread(_stored, moto, bucket, "big.bin") == (data, "video/mp4", {})

    aborted = (await in_thread(s3.create_multipart_upload, Bucket=bucket, Key="gone.bin"))["UploadId"]
    await in_thread(s3.abort_multipart_upload, Bucket=bucket, Key="gone.bin", UploadId=aborted)
    with pytest.raises(s3.exceptions.NoSuchUpload):
        await in_thread(s3.list_parts, Bucket=bucket, Key="gone.bin", UploadId=aborted)


async def test_boto3_copy_delete_and_delete_objects(osprey, moto, bucket):
    s3 = s3_client(osprey)
    await in_thread(moto.put_object, Bucket=bucket, Key="src.txt", Body=b"source", ContentType="text/plain",
                    Metadata={"k": "v"})
    copied = await in_thread(s3.copy_object, Bucket=bucket, Key="dst/copy.txt",
                             CopySource={"Bucket": bucket, "Key": "src.txt"})
    assert copied["CopyObjectResult"]["ETag"]
    assert await in_thread(_stored, moto, bucket, "dst/copy.txt") == (b"source", "text/plain", {"k": "v"})
    await in_thread(s3.delete_object, Bucket=bucket, Key="src.txt")
    assert await in_thread(_keys, moto, bucket) == ["dst/copy.txt"]
    for key in ("x/1", "x/2", "x/3"):
        await in_thread(moto.put_object, Bucket=bucket, Key=key, Body=b"")
    answer = await in_thread(s3.delete_objects, Bucket=bucket,
                             Delete={"Objects": [{"Key": "x/1"}, {"Key": "x/3"}, {"Key": "dst/copy.txt"}]})
    assert sorted(d["Key"] for d in answer["Deleted"]) == ["dst/copy.txt", "x/1", "x/3"]
    assert await in_thread(_keys, moto, bucket) == ["x/2"]


async def test_boto3_lists_v1_and_v2_with_prefix_delimiter_and_continuation(osprey, moto, bucket):
    s3 = s3_client(osprey)
    keys = ["a/1.jpg", "a/2.jpg", "a/sub/3.jpg", "b/4.jpg", "c.jpg", "sp ace+plus.jpg"]
    for key in keys:
        await in_thread(moto.put_object, Bucket=bucket, Key=key, Body=b"x")
    v2 = await in_thread(s3.list_objects_v2, Bucket=bucket, Prefix="a/", Delimiter="/")
    assert [c["Key"] for c in v2["Contents"]] == ["a/1.jpg", "a/2.jpg"]
    assert [p["Prefix"] for p in v2["CommonPrefixes"]] == ["a/sub/"]
    seen, token = [], None
    while True:
        page = await in_thread(s3.list_objects_v2, Bucket=bucket, MaxKeys=2,
                               **({"ContinuationToken": token} if token else {}))
        seen += [c["Key"] for c in page["Contents"]]
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    assert seen == keys
    v1 = await in_thread(s3.list_objects, Bucket=bucket, Prefix="a/", Delimiter="/")
    assert [c["Key"] for c in v1["Contents"]] == ["a/1.jpg", "a/2.jpg"]
    assert [p["Prefix"] for p in v1["CommonPrefixes"]] == ["a/sub/"]
    after = await in_thread(s3.list_objects, Bucket=bucket, Marker="b")
    assert [c["Key"] for c in after["Contents"]] == ["b/4.jpg", "c.jpg", "sp ace+plus.jpg"]
    paginated = s3.get_paginator("list_objects").paginate(Bucket=bucket, PaginationConfig={"PageSize": 4})
    assert [c["Key"] for page in await in_thread(list, paginated) for c in page["Contents"]] == keys


async def test_boto3_list_buckets_head_bucket_and_location(osprey, bucket):
    s3 = s3_client(osprey)
    names = [b["Name"] for b in (await in_thread(s3.list_buckets))["Buckets"]]
    assert bucket in names
    assert (await in_thread(s3.head_bucket, Bucket=bucket))["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (await in_thread(s3.get_bucket_location, Bucket=bucket))["LocationConstraint"] is None
    with pytest.raises(s3.exceptions.ClientError) as info:
        await in_thread(s3.head_bucket, Bucket="osprey-no-such-bucket")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(s3.exceptions.NoSuchBucket):
        await in_thread(s3.list_objects_v2, Bucket="osprey-no-such-bucket")


def _signed_put(endpoint, path, body, payload_hash, headers=()):
    """A SigV4 PUT whose declared payload hash need not match its body."""
    request = AWSRequest(method="PUT", url=f"{endpoint.rstrip('/')}{path}", data=body,
                         headers={"X-Amz-Content-SHA256": payload_hash, **dict(headers)})
    SigV4Auth(Credentials(CLIENT_KEY, CLIENT_SECRET), "s3", "us-east-1").add_auth(request)
    return requests.put(request.url, data=body, headers=dict(request.headers.items()), timeout=10)


async def test_a_body_that_fails_its_declared_digests_is_refused_and_not_stored(osprey, moto, bucket):
    wrong_hash = await in_thread(_signed_put, osprey, f"/{bucket}/tampered.txt", b"tampered",
                                 hashlib.sha256(b"original").hexdigest())
    assert wrong_hash.status_code == 400 and b"XAmzContentSHA256Mismatch" in wrong_hash.content
    wrong_md5 = await in_thread(_signed_put, osprey, f"/{bucket}/tampered.txt", b"tampered", "UNSIGNED-PAYLOAD",
                                {"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="})
    assert wrong_md5.status_code == 400 and b"BadDigest" in wrong_md5.content
    assert await in_thread(_keys, moto, bucket) == []


async def test_anonymous_writes_are_refused_and_nothing_is_written(osprey, moto, bucket):
    for method, path in (("PUT", f"/{bucket}/anon.txt"), ("DELETE", f"/{bucket}/anon.txt"),
                         ("POST", f"/{bucket}?delete"), ("GET", f"/{bucket}"), ("GET", "/")):
        resp = await in_thread(requests.request, method, f"{osprey.rstrip('/')}{path}", data=b"x", timeout=10)
        assert resp.status_code == 403, (method, path)
        assert b"<Code>AccessDenied</Code>" in resp.content
    assert await in_thread(_keys, moto, bucket) == []


@pytest.mark.parametrize("auth", OSS_AUTHS)
async def test_oss2_put_get_head_list_delete(osprey, moto, bucket, auth):
    oss = oss_bucket(osprey, auth, bucket)
    headers = {"Content-Type": "text/markdown", "x-oss-meta-author": "zhang", "x-oss-meta-Kind": "note",
               "x-oss-object-acl": "private", "x-oss-storage-class": "Standard"}
    put = await in_thread(oss.put_object, "notes/one two.md", b"# hello", headers=headers)
    assert put.status == 200 and put.etag.lower() == hashlib.md5(b"# hello").hexdigest()
    assert await in_thread(_stored, moto, bucket, "notes/one two.md") == (
        b"# hello", "text/markdown", {"author": "zhang", "kind": "note"})

    got = await in_thread(lambda: (lambda r: (r.read(), r.headers))(oss.get_object("notes/one two.md")))
    assert got[0] == b"# hello" and got[1]["x-oss-meta-author"] == "zhang"
    head = await in_thread(oss.head_object, "notes/one two.md")
    assert head.content_length == 7 and head.headers["x-oss-meta-kind"] == "note"

    for key in ("notes/two.md", "notes/sub/three.md", "top.md"):
        await in_thread(oss.put_object, key, b"x")
    listed = await in_thread(oss.list_objects, prefix="notes/", delimiter="/")
    assert [o.key for o in listed.object_list] == ["notes/one two.md", "notes/two.md"]
    assert listed.prefix_list == ["notes/sub/"]
    assert listed.object_list[0].size == 7 and listed.object_list[0].type == "Normal"
    every = [o.key for o in await in_thread(lambda: list(oss2.ObjectIterator(oss, max_keys=2)))]
    assert every == ["notes/one two.md", "notes/sub/three.md", "notes/two.md", "top.md"]
    v2 = await in_thread(oss.list_objects_v2, prefix="notes/", max_keys=1)
    assert v2.is_truncated and [o.key for o in v2.object_list] == ["notes/one two.md"]

    await in_thread(oss.delete_object, "top.md")
    deleted = await in_thread(oss.batch_delete_objects, ["notes/two.md", "notes/sub/three.md"])
    assert sorted(deleted.deleted_keys) == ["notes/sub/three.md", "notes/two.md"]
    assert await in_thread(_keys, moto, bucket) == ["notes/one two.md"]


@pytest.mark.parametrize("auth", OSS_AUTHS)
async def test_oss2_copy_and_multipart(osprey, moto, bucket, auth):
    oss = oss_bucket(osprey, auth, bucket)
    await in_thread(oss.put_object, "src.bin", b"0123456789", headers={"x-oss-meta-a": "1"})
    copied = await in_thread(oss.copy_object, bucket, "src.bin", "copy.bin")
    assert copied.etag
    assert (await in_thread(_stored, moto, bucket, "copy.bin"))[::2] == (b"0123456789", {"a": "1"})

    data = b"m" * (5 * MIB) + b"tail"
    upload = (await in_thread(oss.init_multipart_upload, "multi.bin")).upload_id
    parts = []
    for number, piece in enumerate((data[:5 * MIB], data[5 * MIB:]), 1):
        result = await in_thread(oss.upload_part, "multi.bin", upload, number, piece)
        parts.append(oss2.models.PartInfo(number, result.etag))
    await in_thread(oss.complete_multipart_upload, "multi.bin", upload, parts)
    assert (await in_thread(_stored, moto, bucket, "multi.bin"))[0] == data


async def test_alibabacloud_oss_v2_sdk_gets_a_processed_image(osprey, moto, bucket):
    await in_thread(moto.put_object, Bucket=bucket, Key="red.jpg", Body=jpeg_bytes(), ContentType="image/jpeg")
    config = oss_v2.config.load_default()
    config.credentials_provider = oss_v2.credentials.StaticCredentialsProvider(CLIENT_KEY, CLIENT_SECRET)
    config.region, config.endpoint = "cn-hangzhou", osprey.rstrip("/")
    config.use_path_style = True
    client = oss_v2.Client(config)

    def get():
        result = client.get_object(oss_v2.GetObjectRequest(bucket=bucket, key="red.jpg",
                                                           process="image/resize,w_50"))
        return result.body.read()

    assert Image.open(io.BytesIO(await in_thread(get))).size == (50, 25)
