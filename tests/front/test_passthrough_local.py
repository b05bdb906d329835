"""The pass-through over a local directory: what a directory can do works with boto3; the rest says 501."""

import base64
import hashlib
import io
import resource
import time
import zlib
from functools import partial

import oss2
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .clients import in_thread, s3_client
from .conftest import CLIENT_KEY, CLIENT_SECRET
from .xml import error_of

MIB = 1024 * 1024


def _signed_headers(url: str, payload: str = "UNSIGNED-PAYLOAD", **headers: str) -> dict[str, str]:
    """SigV4 headers for a PUT that declares `payload` as its content-sha256."""
    request = AWSRequest(method="PUT", url=url, headers={"X-Amz-Content-SHA256": payload, **headers})
    SigV4Auth(Credentials(CLIENT_KEY, CLIENT_SECRET), "s3", "us-east-1").add_auth(request)
    return dict(request.headers.items())


async def test_a_256_mib_put_streams_with_flat_memory(make_client, local_root):
    client = await make_client()
    size, piece = 256 * MIB, bytes(range(256)) * 4096  # 1 MiB
    digest = hashlib.sha256()

    async def body():
        for _ in range(size // len(piece)):
            digest.update(piece)
            yield piece

    headers = _signed_headers(str(client.make_url("/vault/big.bin")))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    resp = await client.put("/vault/big.bin", data=body(), headers={**headers, "Content-Length": str(size)})
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert resp.status == 200, await resp.text()
    stored = local_root / "vault" / "big.bin"
    assert stored.stat().st_size == size
    with stored.open("rb") as f:
        assert hashlib.file_digest(f, "sha256").digest() == digest.digest()
    assert grown_mib < 64, f"peak RSS grew by {grown_mib:.0f} MiB while uploading 256 MiB"


async def test_boto3_object_api_over_a_local_directory(make_client, local_root):
    client = await make_client()
    s3 = s3_client(client.make_url("/"))
    await in_thread(s3.put_object, Bucket="vault", Key="dir/a.txt", Body=b"alpha", ContentType="text/x-a",
                    Metadata={"who": "me"})
    got = await in_thread(lambda: (lambda r: (r["Body"].read(), r["ContentType"], r["Metadata"]))(
        s3.get_object(Bucket="vault", Key="dir/a.txt")))
    assert got == (b"alpha", "text/x-a", {"who": "me"})
    await in_thread(s3.copy_object, Bucket="photos", Key="copied.txt",
                    CopySource={"Bucket": "vault", "Key": "dir/a.txt"})
    assert (local_root / "photos" / "copied.txt").read_bytes() == b"alpha"
    listed = await in_thread(s3.list_objects_v2, Bucket="vault", Delimiter="/")
    assert [c["Key"] for c in listed["Contents"]] == ["secret.txt"]
    assert [p["Prefix"] for p in listed["CommonPrefixes"]] == ["dir/"]
    assert {b["Name"] for b in (await in_thread(s3.list_buckets))["Buckets"]} == {"photos", "vault"}
    await in_thread(s3.delete_objects, Bucket="vault", Delete={"Objects": [{"Key": "dir/a.txt"}]})
    assert not (local_root / "vault" / "dir").exists()  # the emptied folder goes too, as S3 has no folders


async def test_boto3_multipart_upload_of_12_mb_over_a_local_directory(make_client, local_root):
    client = await make_client()
    s3 = s3_client(client.make_url("/"))
    data = bytes(range(256)) * (12 * MIB // 256)
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB, max_concurrency=3)
    await in_thread(s3.upload_fileobj, io.BytesIO(data), "vault", "big.bin", Config=config,
                    ExtraArgs={"ContentType": "video/mp4"})
    assert (local_root / "vault" / "big.bin").read_bytes() == data
    head = await in_thread(s3.head_object, Bucket="vault", Key="big.bin")
    assert (head["ContentLength"], head["ContentType"]) == (len(data), "video/mp4")
    assert not any((local_root / "vault" / ".osprey-meta" / "uploads").iterdir())


async def test_unsupported_operations_over_a_local_directory_are_not_implemented(make_client):
    client = await make_client()
    s3 = s3_client(client.make_url("/"))
    with pytest.raises(s3.exceptions.ClientError) as info:
        await in_thread(s3.get_object_tagging, Bucket="vault", Key="secret.txt")
    assert info.value.response["Error"]["Code"] == "NotImplemented"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


async def _chunked_put(client, declared: str, trailer: str, algorithm: str = "crc32"):
    """A hand-framed aws-chunked PUT of b"hello" with a checksum trailer, signed as boto3 signs one."""
    headers = _signed_headers(
        str(client.make_url("/vault/chunked.bin")), "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        **{"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": declared,
           "x-amz-trailer": f"x-amz-checksum-{algorithm}"},
    )
    body = f"5\r\nhello\r\n0\r\nx-amz-checksum-{algorithm}:{trailer}\r\n\r\n".encode()
    return await client.put("/vault/chunked.bin", data=body, headers=headers)


# b"hello"'s checksums, from a bitwise reference (see test_checksum_vectors); "AAAA…" is any wrong one.
HELLO = {"crc32": "NhCmhg==", "crc32c": "mnG7TA==", "crc64nvme": "M3eFcAZSQlc="}


@pytest.mark.parametrize("algorithm", sorted(HELLO))
async def test_aws_chunked_body_arrives_decoded_with_its_trailer_checked(make_client, local_root, algorithm):
    client = await make_client()
    resp = await _chunked_put(client, "5", HELLO[algorithm], algorithm)
    assert resp.status == 200, await resp.text()
    assert (local_root / "vault" / "chunked.bin").read_bytes() == b"hello"
    wrong = "A" * (len(HELLO[algorithm]) - 2) + "=="
    resp = await _chunked_put(client, "5", wrong, algorithm)
    assert resp.status == 400 and (await error_of(resp))["Code"] == "BadDigest"


def test_checksum_vectors():
    """The CRCs against bitwise references and their published check values (the CRC RevEng catalogue)."""

    def reflected_crc(data: bytes, poly: int, bits: int) -> int:
        mask = (1 << bits) - 1
        crc = mask
        for byte in data:
            crc ^= byte
            for _ in range(8):
                crc = (crc >> 1) ^ (poly if crc & 1 else 0)
        return crc ^ mask

    crc32c = partial(reflected_crc, poly=0x82F63B78, bits=32)
    crc64nvme = partial(reflected_crc, poly=0x9A6C9329AC4BC9B5, bits=64)
    assert crc32c(b"123456789") == 0xE3069283 and crc64nvme(b"123456789") == 0xAE8B14860A799888
    assert base64.b64encode(crc32c(b"hello").to_bytes(4, "big")).decode() == HELLO["crc32c"]
    assert base64.b64encode(crc64nvme(b"hello").to_bytes(8, "big")).decode() == HELLO["crc64nvme"]
    assert base64.b64encode(zlib.crc32(b"hello").to_bytes(4, "big")).decode() == HELLO["crc32"]


async def test_boto3_uploads_with_every_checksum_algorithm(make_client, local_root):
    client = await make_client()
    s3 = s3_client(client.make_url("/"))
    for algorithm in ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"):
        body = algorithm.encode() * 1000
        await in_thread(s3.put_object, Bucket="vault", Key=f"{algorithm}.bin", Body=body, ChecksumAlgorithm=algorithm)
        assert (local_root / "vault" / f"{algorithm}.bin").read_bytes() == body


@pytest.mark.parametrize(("declared", "trailer", "code"), [
    ("10", "NhCmhg==", "InvalidArgument"),  # 5 payload bytes where 10 were declared
    ("5", "AAAAAA==", "BadDigest"),
])
async def test_aws_chunked_body_failing_its_length_or_trailer_stores_nothing(
    make_client, local_root, declared, trailer, code,
):
    client = await make_client()
    resp = await _chunked_put(client, declared, trailer)
    assert resp.status == 400
    assert (await error_of(resp))["Code"] == code
    assert not (local_root / "vault" / "chunked.bin").exists()


@pytest.mark.parametrize("auth", [oss2.Auth(CLIENT_KEY, CLIENT_SECRET), oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET)],
                         ids=["oss-v1", "oss-v4"])
async def test_oss2_lists_the_buckets_with_osprey_as_their_endpoint(make_client, auth):
    client = await make_client()
    endpoint = str(client.make_url("/")).rstrip("/")
    service = oss2.Service(auth, endpoint, region="cn-hangzhou")
    listed = await in_thread(service.list_buckets)
    assert sorted(b.name for b in listed.buckets) == ["photos", "vault"]
    photos = next(b for b in listed.buckets if b.name == "photos")
    assert photos.extranet_endpoint == photos.intranet_endpoint == endpoint.removeprefix("http://")
    assert photos.storage_class == "Standard"
    assert abs(photos.creation_date - time.time()) < 3600  # the folder was made by the fixture just now
