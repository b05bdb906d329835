"""S3 and OSS clients that work against the stores themselves work unchanged through Osprey: uploads of unknown
length, request ids, the headers of a read, `Expect: 100-continue`, presigned lifetimes, multipart checksums."""

import base64
import datetime
import hashlib
import hmac
import http.client
import io
import os
import socket
import zlib
from urllib.parse import urlsplit

import boto3
import oss2
import pytest
from botocore.auth import S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from proxy.app import build_app
from proxy.config import parse_config

from .clients import in_thread, oss_bucket, s3_client
from .conftest import CLIENT_KEY, CLIENT_SECRET
from .xml import error_of

MIB = 1024 * 1024
OSS_AUTHS = [pytest.param(oss2.Auth(CLIENT_KEY, CLIENT_SECRET), id="oss-v1"),
             pytest.param(oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET), id="oss-v4")]


@pytest.fixture
def spool(tmp_path):
    folder = tmp_path / "spool"
    folder.mkdir()
    return folder


@pytest.fixture
def start_osprey(aiohttp_server, moto_server, bucket, spool):
    """Start Osprey in front of moto with `server` settings over the defaults; returns its endpoint URL."""

    async def start(**server):
        config = parse_config({
            "server": {"spool_dir": str(spool), **server},
            "upstream": {"type": "s3", "endpoint": moto_server, "access_key_id": "testing",
                         "secret_access_key": "testing"},
            "limits": {"workers": 1},
            "credentials": [{"access_key_id": CLIENT_KEY, "secret_access_key": CLIENT_SECRET}],
        }, environ={})
        return str((await aiohttp_server(build_app(config))).make_url("/"))

    return start


def _signed(method: str, url: str, payload: str = "UNSIGNED-PAYLOAD", **headers: str) -> dict[str, str]:
    """SigV4 headers (botocore's signer) for a request declaring `payload` as its content-sha256."""
    request = AWSRequest(method=method, url=url, headers={"X-Amz-Content-SHA256": payload, **headers})
    SigV4Auth(Credentials(CLIENT_KEY, CLIENT_SECRET), "s3", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def _chunked_put(url: str, pieces: list[bytes], headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """PUT `pieces` with `Transfer-Encoding: chunked` (http.client frames an iterable so) and no Content-Length."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("PUT", parts.path, body=iter(pieces), headers=headers, encode_chunked=True)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def _md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def _stored(moto, bucket, key):
    return moto.get_object(Bucket=bucket, Key=key)["Body"].read()


def _keys(moto, bucket):
    return [item["Key"] for item in moto.list_objects_v2(Bucket=bucket).get("Contents", [])]


# --- uploads of unknown length ---------------------------------------------------------------------------


@pytest.mark.parametrize("auth", OSS_AUTHS)
async def test_oss2_uploads_a_generator_and_an_unseekable_file(start_osprey, moto, bucket, spool, auth):
    oss = oss_bucket(await start_osprey(), auth, bucket)
    data = os.urandom(3 * MIB + 17)

    def pieces():
        for start in range(0, len(data), 100_000):
            yield data[start:start + 100_000]

    await in_thread(oss.put_object, "from-generator.bin", pieces())
    assert await in_thread(_stored, moto, bucket, "from-generator.bin") == data

    await in_thread(oss.put_object, "from-stream.bin", _Unseekable(data))
    assert await in_thread(_stored, moto, bucket, "from-stream.bin") == data

    # Re-uploading an object as it is read: oss2 sends a get_object() answer chunked too.
    source = await in_thread(oss.get_object, "from-stream.bin")
    await in_thread(oss.put_object, "copied.bin", source)
    assert await in_thread(_stored, moto, bucket, "copied.bin") == data
    assert list(spool.iterdir()) == []


class _Unseekable:
    """A file object that can only be read (a socket's, a decompressor's): no seek, no tell, no length."""

    def __init__(self, data: bytes) -> None:
        self._file = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)


async def test_a_sigv4_chunked_put_is_spooled_checked_and_stored(start_osprey, moto, bucket, spool):
    url = f"{await start_osprey()}{bucket}/raw.bin"
    data = os.urandom(2 * MIB)
    pieces = [data[i:i + 65_536] for i in range(0, len(data), 65_536)]
    headers = _signed("PUT", url, **{"Content-MD5": _md5(data), "Content-Type": "text/x-raw"})
    status, _, body = await in_thread(_chunked_put, url, pieces, headers)
    assert status == 200, body
    answer = await in_thread(moto.get_object, Bucket=bucket, Key="raw.bin")
    assert answer["ContentLength"] == len(data) and answer["ContentType"] == "text/x-raw"
    assert await in_thread(answer["Body"].read) == data
    assert list(spool.iterdir()) == []


@pytest.mark.parametrize(("header", "value", "code"), [
    ("Content-MD5", _md5(b"something else"), "BadDigest"),
    ("x-amz-checksum-crc32", base64.b64encode(zlib.crc32(b"other").to_bytes(4, "big")).decode(), "BadDigest"),
])
async def test_a_chunked_put_failing_its_declared_digest_stores_nothing(start_osprey, moto, bucket, spool, header,
                                                                       value, code):
    url = f"{await start_osprey()}{bucket}/bad.bin"
    status, _, body = await in_thread(_chunked_put, url, [b"hello ", b"world"], _signed("PUT", url, **{header: value}))
    assert status == 400 and f"<Code>{code}</Code>".encode() in body
    assert await in_thread(_keys, moto, bucket) == []
    assert list(spool.iterdir()) == []


async def test_a_signed_payload_hash_is_checked_on_a_chunked_put(start_osprey, moto, bucket):
    url = f"{await start_osprey()}{bucket}/hashed.bin"
    right = _signed("PUT", url, hashlib.sha256(b"hello world").hexdigest())
    assert (await in_thread(_chunked_put, url, [b"hello ", b"world"], right))[0] == 200
    wrong = _signed("PUT", url, hashlib.sha256(b"hello there").hexdigest())
    status, _, body = await in_thread(_chunked_put, url, [b"hello ", b"world"], wrong)
    assert status == 400 and b"<Code>XAmzContentSHA256Mismatch</Code>" in body
    assert await in_thread(_stored, moto, bucket, "hashed.bin") == b"hello world"


async def test_an_aws_chunked_body_without_its_decoded_length_is_spooled(start_osprey, moto, bucket):
    url = f"{await start_osprey()}{bucket}/framed.bin"
    headers = _signed("PUT", url, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", **{
        "Content-Encoding": "aws-chunked", "x-amz-trailer": "x-amz-checksum-crc32"})
    crc = base64.b64encode(zlib.crc32(b"hello").to_bytes(4, "big")).decode()
    framed = [b"5\r\nhello\r\n", f"0\r\nx-amz-checksum-crc32:{crc}\r\n\r\n".encode()]
    status, _, body = await in_thread(_chunked_put, url, framed, headers)
    assert status == 200, body
    assert await in_thread(_stored, moto, bucket, "framed.bin") == b"hello"


def _signed_chunks(url: str, pieces: list[bytes], tamper: bool = False) -> tuple[dict[str, str], list[bytes]]:
    """A STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload of `pieces` with no x-amz-decoded-content-length: headers
    signed by botocore, each chunk signed over the previous signature as SigV4 defines (derived here)."""
    headers = _signed("PUT", url, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", **{"Content-Encoding": "aws-chunked"})
    timestamp, previous = headers["X-Amz-Date"], headers["Authorization"].rpartition("Signature=")[2]
    scope = f"{timestamp[:8]}/us-east-1/s3/aws4_request"
    key = f"AWS4{CLIENT_SECRET}".encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    framed = []
    for piece in [*pieces, b""]:
        to_sign = (f"AWS4-HMAC-SHA256-PAYLOAD\n{timestamp}\n{scope}\n{previous}\n{hashlib.sha256(b'').hexdigest()}"
                   f"\n{hashlib.sha256(piece).hexdigest()}")
        previous = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        sent = piece[:-1] + b"?" if tamper and piece else piece
        framed.append(b"%x;chunk-signature=%s\r\n%s\r\n" % (len(sent), previous.encode(), sent))
    return headers, framed


async def test_a_signed_aws_chunked_put_without_its_decoded_length_is_spooled(start_osprey, moto, bucket, spool):
    url = f"{await start_osprey()}{bucket}/signed.bin"
    pieces = [os.urandom(70_000), os.urandom(70_000), b"tail"]
    headers, framed = _signed_chunks(url, pieces)
    status, _, body = await in_thread(_chunked_put, url, framed, headers)
    assert status == 200, body
    assert await in_thread(_stored, moto, bucket, "signed.bin") == b"".join(pieces)
    url = url.replace("signed.bin", "tampered.bin")
    headers, framed = _signed_chunks(url, pieces, tamper=True)
    status, _, body = await in_thread(_chunked_put, url, framed, headers)
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body
    assert await in_thread(_keys, moto, bucket) == ["signed.bin"]
    assert list(spool.iterdir()) == []


async def test_a_chunked_put_over_the_bound_is_entity_too_large(start_osprey, moto, bucket, spool):
    url = f"{await start_osprey(max_chunked_upload_bytes=MIB)}{bucket}/big.bin"
    status, _, body = await in_thread(_chunked_put, url, [b"x" * 65_536] * 20, _signed("PUT", url))
    assert status == 400 and b"<Code>EntityTooLarge</Code>" in body
    assert f"<MaxSizeAllowed>{MIB}</MaxSizeAllowed>".encode() in body
    assert await in_thread(_keys, moto, bucket) == []
    assert list(spool.iterdir()) == []
    # Exactly at the bound is still taken.
    status, _, _ = await in_thread(_chunked_put, url, [b"x" * 65_536] * 16, _signed("PUT", url))
    assert status == 200


async def test_a_put_with_neither_length_nor_chunked_framing_is_refused(start_osprey, bucket):
    url = urlsplit(f"{await start_osprey()}{bucket}/none.bin")
    headers = _signed("PUT", url.geturl())
    answer, _ = await in_thread(_exchange, url.hostname, url.port, _head("PUT", url, headers))
    assert answer.startswith(b"HTTP/1.1 411") and b"<Code>MissingContentLength</Code>" in answer


def _head(method: str, url, headers: dict[str, str]) -> bytes:
    lines = "".join(f"{name}: {value}\r\n" for name, value in {"Host": url.netloc, **headers}.items())
    return f"{method} {url.path} HTTP/1.1\r\n{lines}\r\n".encode()


def _exchange(host: str, port: int, request: bytes, then: bytes = b"") -> tuple[bytes, bool]:
    """Send `request`, read the first answer; send `then` (a body) only if the first answer was an interim 100.
    Returns what came back and whether the server closed the connection after it (within 2 s)."""
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(request)
        answer = _read_head(sock)
        if answer.startswith(b"HTTP/1.1 100") and then:
            sock.sendall(then)
            answer += _read_head(sock)
        sock.settimeout(2)
        try:
            while chunk := sock.recv(65_536):
                answer += chunk
        except TimeoutError:
            return answer, False
        return answer, True


def _read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65_536)
        if not chunk:
            break
        data += chunk
    return data


async def test_a_chunked_put_to_a_local_directory(make_client, local_root):
    client = await make_client()
    url = str(client.make_url("/vault/chunked.txt"))

    async def pieces():
        yield b"alpha "
        yield b"beta"

    resp = await client.put("/vault/chunked.txt", data=pieces(), headers=_signed("PUT", url))
    assert resp.status == 200, await resp.text()
    assert (local_root / "vault" / "chunked.txt").read_bytes() == b"alpha beta"


# --- request ids in the caller's dialect ------------------------------------------------------------------


async def test_s3_clients_read_osprey_s_request_id(start_osprey, moto, bucket):
    s3 = s3_client(await start_osprey())
    await in_thread(moto.put_object, Bucket=bucket, Key="a.txt", Body=b"alpha")
    got = await in_thread(s3.get_object, Bucket=bucket, Key="a.txt")
    meta = got["ResponseMetadata"]
    assert len(meta["RequestId"]) == 24 and meta["HostId"] == meta["RequestId"]
    assert "x-oss-request-id" not in meta["HTTPHeaders"]
    with pytest.raises(ClientError) as info:  # an error's id: the body's and the header's are one
        await in_thread(s3.get_object, Bucket=bucket, Key="missing.txt")
    error = info.value.response
    assert error["Error"]["Code"] == "NoSuchKey"
    assert error["ResponseMetadata"]["RequestId"] == error["ResponseMetadata"]["HTTPHeaders"]["x-amz-request-id"]
    assert error["ResponseMetadata"]["RequestId"] not in ("", meta["RequestId"])
    with pytest.raises(ClientError) as info:  # a HEAD error has no body: the header alone says it
        await in_thread(s3.head_object, Bucket=bucket, Key="missing.txt")
    assert len(info.value.response["ResponseMetadata"]["RequestId"]) == 24


@pytest.mark.parametrize("auth", OSS_AUTHS)
async def test_oss_clients_read_the_oss_request_id(start_osprey, moto, bucket, auth):
    oss = oss_bucket(await start_osprey(), auth, bucket)
    result = await in_thread(oss.put_object, "b.txt", b"beta")
    assert len(result.request_id) == 24 and "x-amz-request-id" not in result.headers
    with pytest.raises(oss2.exceptions.NoSuchKey) as info:
        await in_thread(oss.get_object, "missing.txt")
    assert info.value.request_id == info.value.headers["x-oss-request-id"] != result.request_id
    assert info.value.details["RequestId"] == info.value.request_id


async def test_an_anonymous_answer_carries_both_ids(make_client):
    client = await make_client()
    resp = await client.get("/photos/notes.txt")
    assert resp.status == 200
    assert resp.headers["x-oss-request-id"] == resp.headers["x-amz-request-id"] == resp.headers["x-amz-id-2"]
    error = await client.get("/photos/missing.txt")
    assert (await error_of(error))["RequestId"] == error.headers["x-amz-request-id"]


# --- what a read says about the object -------------------------------------------------------------------

_DESCRIBED = ("ChecksumSHA256", "StorageClass", "ServerSideEncryption", "SSEKMSKeyId", "BucketKeyEnabled", "TagCount",
              "WebsiteRedirectLocation", "VersionId", "ObjectLockMode", "ObjectLockRetainUntilDate",
              "ObjectLockLegalHoldStatus")


@pytest.fixture
def locked_object(moto, moto_server, bucket_name):
    """An object in a versioned, object-locked bucket with every property S3 describes in a read's headers."""
    bucket = f"{bucket_name}-locked"
    moto.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    kms = boto3.client("kms", endpoint_url=moto_server, region_name="us-east-1")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    moto.put_object(Bucket=bucket, Key="doc.txt", Body=b"described", ChecksumAlgorithm="SHA256",
                    StorageClass="STANDARD_IA", ServerSideEncryption="aws:kms", SSEKMSKeyId=key_id,
                    BucketKeyEnabled=True, Tagging="a=1&b=2", WebsiteRedirectLocation="/elsewhere",
                    ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=datetime.datetime(2040, 1, 1),
                    ObjectLockLegalHoldStatus="ON")
    return bucket, "doc.txt"


def _described(answer: dict) -> dict:
    return {name: answer.get(name) for name in _DESCRIBED}


@pytest.mark.parametrize("call", ["head_object", "get_object"])
async def test_a_read_says_what_s3_says_about_the_object(start_osprey, moto, locked_object, call):
    bucket, key = locked_object
    s3 = s3_client(await start_osprey())
    direct = await in_thread(getattr(moto, call), Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    via = await in_thread(getattr(s3, call), Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert None not in _described(direct).values()  # moto knows every one of them, so each is a real check
    assert _described(via) == _described(direct)
    # Unasked, a HEAD has no checksum; boto3's GET asks by default (response_checksum_validation).
    unasked = await in_thread(getattr(s3, call), Bucket=bucket, Key=key)
    assert ("ChecksumSHA256" in unasked) == (call == "get_object") and unasked["StorageClass"] == "STANDARD_IA"


async def test_restore_state_and_part_count_reach_the_client(start_osprey, moto, bucket):
    s3 = s3_client(await start_osprey())
    await in_thread(moto.put_object, Bucket=bucket, Key="cold.bin", Body=b"cold", StorageClass="GLACIER")
    await in_thread(moto.restore_object, Bucket=bucket, Key="cold.bin", RestoreRequest={"Days": 1})
    head = await in_thread(s3.head_object, Bucket=bucket, Key="cold.bin")
    assert head["Restore"].startswith('ongoing-request="false"') and head["StorageClass"] == "GLACIER"
    upload = await in_thread(moto.create_multipart_upload, Bucket=bucket, Key="parts.bin")
    parts = [{"PartNumber": n, "ETag": (await in_thread(moto.upload_part, Bucket=bucket, Key="parts.bin",
                                                        UploadId=upload["UploadId"], PartNumber=n, Body=body))["ETag"]}
             for n, body in ((1, b"x" * 5 * MIB), (2, b"y"))]
    await in_thread(moto.complete_multipart_upload, Bucket=bucket, Key="parts.bin", UploadId=upload["UploadId"],
                    MultipartUpload={"Parts": parts})
    assert (await in_thread(s3.head_object, Bucket=bucket, Key="parts.bin", PartNumber=1))["PartsCount"] == 2


@pytest.mark.parametrize("auth", OSS_AUTHS)
async def test_an_oss_read_carries_the_version_and_the_s3_descriptions(start_osprey, moto, locked_object, auth):
    bucket, key = locked_object
    oss = oss_bucket(await start_osprey(), auth, bucket)
    direct = await in_thread(moto.head_object, Bucket=bucket, Key=key)
    head = await in_thread(oss.head_object, key)
    assert head.versionid == direct["VersionId"]
    assert head.headers["x-amz-storage-class"] == "STANDARD_IA"
    assert head.headers["x-amz-tagging-count"] == "2"


async def test_boto3_validates_the_checksum_of_a_large_read_through_osprey(start_osprey, moto, bucket):
    data = os.urandom(3 * MIB)  # relayed socket to socket: the bytes still match the stored checksum
    await in_thread(moto.put_object, Bucket=bucket, Key="big.bin", Body=data, ChecksumAlgorithm="CRC32")
    s3 = s3_client(await start_osprey())
    got = await in_thread(s3.get_object, Bucket=bucket, Key="big.bin", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    assert await in_thread(got["Body"].read) == data  # botocore checks the CRC32 as it reads to the end
    assert got["ResponseMetadata"]["ChecksumAlgorithm"] == "crc32"


# --- Expect: 100-continue ---------------------------------------------------------------------------------


def _put_expecting(url: str, headers: dict[str, str], body: bytes) -> tuple[bytes, bool]:
    parts = urlsplit(url)
    request = _head("PUT", parts, {**headers, "Content-Length": str(len(body)), "Expect": "100-continue"})
    return _exchange(parts.hostname, parts.port, request, then=body)


def _wrongly_signed(method: str, url: str) -> dict[str, str]:
    request = AWSRequest(method=method, url=url, headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    SigV4Auth(Credentials(CLIENT_KEY, "not-the-secret"), "s3", "us-east-1").add_auth(request)
    return dict(request.headers.items())


@pytest.mark.parametrize(("sign", "code"), [
    pytest.param(lambda method, url: {}, b"AccessDenied", id="anonymous"),
    pytest.param(_wrongly_signed, b"SignatureDoesNotMatch", id="bad-signature"),
])
async def test_a_refused_put_is_refused_before_100_continue(start_osprey, moto, bucket, sign, code):
    url = f"{await start_osprey()}{bucket}/refused.txt"
    answer, _ = await in_thread(_put_expecting, url, sign("PUT", url), b"hello")
    assert answer.startswith(b"HTTP/1.1 403"), answer[:200]  # no interim 100 came first
    assert b"<Code>" + code + b"</Code>" in answer and b"100 Continue" not in answer
    # The body never sent, the connection cannot carry another request: the answer says so (aiohttp then
    # lingers a while for a body the client may send anyway, and closes).
    assert b"\r\nConnection: close\r\n" in answer.partition(b"\r\n\r\n")[0] + b"\r\n"
    assert await in_thread(_keys, moto, bucket) == []


async def test_a_signed_put_gets_100_continue_then_is_stored(start_osprey, moto, bucket):
    url = f"{await start_osprey()}{bucket}/accepted.txt"
    answer, closed = await in_thread(_put_expecting, url, _signed("PUT", url), b"hello")
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200"), answer[:200]
    assert b"Connection: close" not in answer and not closed  # the body came: the connection stays usable
    assert await in_thread(_stored, moto, bucket, "accepted.txt") == b"hello"


async def test_an_upload_whose_framing_is_refused_never_gets_100_continue(start_osprey, bucket):
    url = f"{await start_osprey()}{bucket}/a.txt"
    headers = _signed("PUT", url, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", **{"x-amz-decoded-content-length": "five"})
    answer, _ = await in_thread(_put_expecting, url, headers, b"hello")
    assert answer.startswith(b"HTTP/1.1 400") and b"<Code>InvalidArgument</Code>" in answer, answer[:300]
    assert b"\r\nConnection: close\r\n" in answer


async def test_an_unknown_expectation_fails(start_osprey, bucket):
    parts = urlsplit(f"{await start_osprey()}{bucket}/a.txt")
    request = _head("PUT", parts, {**_signed("PUT", parts.geturl()), "Content-Length": "5", "Expect": "teapot"})
    answer, _ = await in_thread(_exchange, parts.hostname, parts.port, request)
    assert answer.startswith(b"HTTP/1.1 417")


# --- presigned lifetimes ----------------------------------------------------------------------------------


def _presigned(url: str, expires: int) -> str:
    """A SigV4 presigned GET of `url` (botocore's query signer), its lifetime whatever S3 would be sent."""
    request = AWSRequest(method="GET", url=url)
    S3SigV4QueryAuth(Credentials(CLIENT_KEY, CLIENT_SECRET), "s3", "us-east-1", expires=expires).add_auth(request)
    return request.url


def _get(url: str) -> tuple[int, bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", f"{parts.path}?{parts.query}")
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize(("expires", "status", "code", "words"), [
    (0, 403, b"AccessDenied", b"Request has expired"),
    (-7, 400, b"AuthorizationQueryParametersError", b"X-Amz-Expires must be non-negative"),
    (604_801, 400, b"AuthorizationQueryParametersError", b"X-Amz-Expires must be less than a week"),
])
async def test_presigned_lifetimes_s3_refuses_are_refused_as_s3_does(start_osprey, moto, bucket, expires, status,
                                                                    code, words):
    await in_thread(moto.put_object, Bucket=bucket, Key="shared.txt", Body=b"shared")
    url = f"{await start_osprey()}{bucket}/shared.txt"
    got, body = await in_thread(_get, _presigned(url, expires))
    assert got == status and b"<Code>" + code + b"</Code>" in body and words in body
    assert await in_thread(_get, _presigned(url, 604_800)) == (200, b"shared")


# --- checksums on CompleteMultipartUpload -----------------------------------------------------------------


def _b64_crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


async def _two_parts(s3, bucket: str, key: str, **create) -> tuple[str, list[dict], bytes]:
    """An upload of two CRC32-checked parts through `s3`: (upload id, the parts for Complete, the object)."""
    upload = (await in_thread(s3.create_multipart_upload, Bucket=bucket, Key=key, ChecksumAlgorithm="CRC32",
                              **create))["UploadId"]
    bodies, parts = [os.urandom(5 * MIB), os.urandom(1000)], []
    for number, body in enumerate(bodies, 1):
        part = await in_thread(s3.upload_part, Bucket=bucket, Key=key, UploadId=upload, PartNumber=number, Body=body,
                               ChecksumAlgorithm="CRC32")
        parts.append({"PartNumber": number, "ETag": part["ETag"], "ChecksumCRC32": part["ChecksumCRC32"]})
    return upload, parts, b"".join(bodies)


async def test_a_full_object_checksum_on_complete_is_the_object_s_not_the_xml_s(start_osprey, moto, bucket):
    s3 = s3_client(await start_osprey())
    upload, parts, data = await _two_parts(s3, bucket, "full.bin", ChecksumType="FULL_OBJECT")
    await in_thread(s3.complete_multipart_upload, Bucket=bucket, Key="full.bin", UploadId=upload,
                    MultipartUpload={"Parts": parts}, ChecksumType="FULL_OBJECT", ChecksumCRC32=_b64_crc32(data))
    assert await in_thread(_stored, moto, bucket, "full.bin") == data


async def test_a_composite_checksum_on_complete_is_left_to_the_store(start_osprey, moto, bucket):
    s3 = s3_client(await start_osprey())
    upload, parts, data = await _two_parts(s3, bucket, "composite.bin")
    composite = base64.b64encode(zlib.crc32(b"".join(
        base64.b64decode(part["ChecksumCRC32"]) for part in parts)).to_bytes(4, "big")).decode() + "-2"
    await in_thread(s3.complete_multipart_upload, Bucket=bucket, Key="composite.bin", UploadId=upload,
                    MultipartUpload={"Parts": parts}, ChecksumCRC32=composite)
    assert await in_thread(_stored, moto, bucket, "composite.bin") == data


@pytest.mark.parametrize("value", ["not base64!", "AAAA", "AAAAAA==-x"])
async def test_a_malformed_checksum_on_complete_is_an_invalid_request(start_osprey, moto, bucket, value):
    s3 = s3_client(await start_osprey())
    upload, parts, _ = await _two_parts(s3, bucket, "bad.bin")
    with pytest.raises(ClientError) as info:
        await in_thread(s3.complete_multipart_upload, Bucket=bucket, Key="bad.bin", UploadId=upload,
                        MultipartUpload={"Parts": parts}, ChecksumCRC32=value)
    assert info.value.response["Error"]["Code"] == "InvalidRequest"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert await in_thread(_keys, moto, bucket) == []
