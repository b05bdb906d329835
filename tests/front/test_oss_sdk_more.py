"""OSS apps unchanged, continued: part copies with an open range, OSS signature V2 and CRC-64 end-to-end checks,
each through the official SDK against Osprey in front of moto and checked on moto itself."""

import base64
import io
import os
import xml.etree.ElementTree as ET
from dataclasses import replace
from urllib.parse import parse_qs, quote, urlsplit

import alibabacloud_oss_v2 as oss_v2
import oss2
import pytest
import requests
from PIL import Image

from proxy.app import build_app

from .clients import in_thread, oss_bucket
from .conftest import CLIENT_KEY, CLIENT_SECRET, jpeg_bytes, moto_config
from .test_oss_sdk import MIB, _v2_client

# moto takes parts of S3's 5 MiB minimum (all but the last).
_SOURCE = os.urandom(6 * MIB)
_FIRST = MIB


async def test_oss2_part_copy_with_an_open_range_copies_to_the_source_end(osprey, moto, bucket):
    oss = oss_bucket(osprey, oss2.Auth(CLIENT_KEY, CLIENT_SECRET), bucket)
    await in_thread(moto.put_object, Bucket=bucket, Key="source.bin", Body=_SOURCE)
    upload = (await in_thread(oss.init_multipart_upload, "joined.bin")).upload_id
    copied = await in_thread(oss.upload_part_copy, bucket, "source.bin", (_FIRST, None), "joined.bin", upload, 1)
    tail = await in_thread(oss.upload_part, "joined.bin", upload, 2, b"tail")
    await in_thread(oss.complete_multipart_upload, "joined.bin", upload,
                    [oss2.models.PartInfo(1, copied.etag), oss2.models.PartInfo(2, tail.etag)])
    stored = (await in_thread(moto.get_object, Bucket=bucket, Key="joined.bin"))["Body"].read()
    assert len(stored) == len(_SOURCE) - _FIRST + 4
    assert stored == _SOURCE[_FIRST:] + b"tail"


async def test_v2_sdk_part_copy_with_an_open_range_and_a_closed_one(osprey, moto, bucket):
    client = _v2_client(osprey)
    await in_thread(moto.put_object, Bucket=bucket, Key="source.bin", Body=_SOURCE)
    upload = (await in_thread(client.initiate_multipart_upload, oss_v2.InitiateMultipartUploadRequest(
        bucket=bucket, key="joined.bin"))).upload_id
    parts = []
    for number, source_range in ((1, f"bytes={_FIRST}-"), (2, "bytes=0-9")):
        copied = await in_thread(client.upload_part_copy, oss_v2.UploadPartCopyRequest(
            bucket=bucket, key="joined.bin", source_key="source.bin", source_bucket=bucket, upload_id=upload,
            part_number=number, source_range=source_range))
        parts.append(oss_v2.UploadPart(part_number=number, etag=copied.etag))
    await in_thread(client.complete_multipart_upload, oss_v2.CompleteMultipartUploadRequest(
        bucket=bucket, key="joined.bin", upload_id=upload,
        complete_multipart_upload=oss_v2.CompleteMultipartUpload(parts=parts)))
    stored = (await in_thread(moto.get_object, Bucket=bucket, Key="joined.bin"))["Body"].read()
    assert stored == _SOURCE[_FIRST:] + _SOURCE[:10]


async def test_an_open_range_from_a_missing_source_is_no_such_key(osprey, moto, bucket):
    oss = oss_bucket(osprey, oss2.Auth(CLIENT_KEY, CLIENT_SECRET), bucket)
    upload = (await in_thread(oss.init_multipart_upload, "joined.bin")).upload_id
    with pytest.raises(oss2.exceptions.NoSuchKey):
        await in_thread(oss.upload_part_copy, bucket, "absent.bin", (10, None), "joined.bin", upload, 1)


def _v2_bucket(osprey, bucket, secret=CLIENT_SECRET):
    return oss_bucket(osprey, oss2.AuthV2(CLIENT_KEY, secret), bucket)


async def test_oss2_auth_v2_puts_gets_and_processes(osprey, moto, bucket):
    oss = _v2_bucket(osprey, bucket)
    await in_thread(oss.put_object, "red.jpg", jpeg_bytes(), headers={"x-oss-meta-owner": "li"})
    stored = await in_thread(moto.head_object, Bucket=bucket, Key="red.jpg")
    assert stored["Metadata"]["owner"] == "li"
    got = await in_thread(oss.get_object, "red.jpg")
    assert (await in_thread(got.read), got.headers["x-oss-meta-owner"]) == (jpeg_bytes(), "li")
    assert got.etag == stored["ETag"].strip('"').upper()  # answered in OSS's spellings
    processed = await in_thread(oss.get_object, "red.jpg", process="image/resize,w_50")
    assert Image.open(io.BytesIO(await in_thread(processed.read))).size == (50, 25)
    assert [o.key for o in (await in_thread(oss.list_objects)).object_list] == ["red.jpg"]


async def test_oss2_auth_v2_signed_url_reads_a_processed_object(osprey, moto, bucket):
    await in_thread(moto.put_object, Bucket=bucket, Key="red.jpg", Body=jpeg_bytes())
    url = _v2_bucket(osprey, bucket).sign_url("GET", "red.jpg", 60, params={"x-oss-process": "image/resize,w_40"})
    assert "x-oss-signature-version=OSS2" in url
    answer = await in_thread(requests.get, url, timeout=10)
    assert answer.status_code == 200
    assert Image.open(io.BytesIO(answer.content)).size == (40, 20)


async def test_an_oss2_v2_url_with_a_tampered_signature_or_chain_is_signature_does_not_match(osprey, moto, bucket):
    await in_thread(moto.put_object, Bucket=bucket, Key="red.jpg", Body=jpeg_bytes())
    url = _v2_bucket(osprey, bucket).sign_url("GET", "red.jpg", 60, params={"x-oss-process": "image/resize,w_40"})
    signature = parse_qs(urlsplit(url).query)["x-oss-signature"][0]
    forged = url.replace(quote(signature, safe=""), quote(base64.b64encode(b"x" * 32).decode(), safe=""))
    for bad in (forged, url.replace("w_40", "w_400")):
        answer = await in_thread(requests.get, bad, timeout=10)
        assert answer.status_code == 403 and _code(answer) == "SignatureDoesNotMatch"


async def test_an_oss2_v2_header_signature_with_the_wrong_secret_is_signature_does_not_match(osprey, moto, bucket):
    with pytest.raises(oss2.exceptions.ServerError) as refused:
        await in_thread(_v2_bucket(osprey, bucket, "not-the-secret").put_object, "x.txt", b"x")
    assert (refused.value.status, refused.value.code) == (403, "SignatureDoesNotMatch")
    assert "Contents" not in await in_thread(moto.list_objects_v2, Bucket=bucket)


async def test_an_expired_oss2_v2_url_is_access_denied(osprey, moto, bucket):
    await in_thread(moto.put_object, Bucket=bucket, Key="a.txt", Body=b"a")
    url = _v2_bucket(osprey, bucket).sign_url("GET", "a.txt", -5)
    answer = await in_thread(requests.get, url, timeout=10)
    assert answer.status_code == 403 and _code(answer) == "AccessDenied"
    assert b"expired" in answer.content


async def test_an_oss2_v2_url_covers_every_x_oss_header_and_no_x_amz_one(osprey, moto, bucket):
    await in_thread(moto.put_object, Bucket=bucket, Key="a.txt", Body=b"a")
    url = _v2_bucket(osprey, bucket).sign_url("PUT", "b.txt", 60)
    added = await in_thread(requests.put, url, data=b"b", headers={"x-oss-copy-source": f"/{bucket}/a.txt"},
                            timeout=10)
    assert added.status_code == 403 and _code(added) == "SignatureDoesNotMatch"
    unsigned = await in_thread(requests.put, url, data=b"b", headers={"x-amz-copy-source": f"/{bucket}/a.txt"},
                               timeout=10)
    assert unsigned.status_code == 403 and b"<HeadersNotSigned>x-amz-copy-source<" in unsigned.content
    assert "b.txt" not in [o["Key"] for o in (await in_thread(moto.list_objects_v2, Bucket=bucket))["Contents"]]
    plain = await in_thread(requests.put, url, data=b"b", timeout=10)
    assert plain.status_code == 200
    assert (await in_thread(moto.get_object, Bucket=bucket, Key="b.txt"))["Body"].read() == b"b"


def _code(answer) -> str:
    return ET.fromstring(answer.content).findtext("Code")


def _oss_crc(data: bytes) -> str:
    crc = oss2.utils.Crc64()
    crc.update(data)
    return str(crc.crc)


@pytest.mark.parametrize("auth", [oss2.Auth(CLIENT_KEY, CLIENT_SECRET), oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET)],
                         ids=["oss-v1", "oss-v4"])
async def test_oss2_end_to_end_crc_on_put_get_and_head(osprey, moto, bucket, auth):
    oss = oss_bucket(osprey, auth, bucket)
    assert oss.enable_crc
    data = os.urandom(300_000)
    put = await in_thread(oss.put_object, "c.bin", data, headers={"x-oss-meta-kind": "raw"})
    assert put.crc == int(_oss_crc(data))
    got = await in_thread(oss.get_object, "c.bin")
    assert got.headers["x-oss-hash-crc64ecma"] == _oss_crc(data)
    assert await in_thread(got.read) == data  # oss2 compares its own CRC of the bytes at the end
    assert got.client_crc == got.server_crc
    head = await in_thread(oss.head_object, "c.bin")
    assert head.headers["x-oss-hash-crc64ecma"] == _oss_crc(data)
    assert {k for k in head.headers if k.lower().startswith("x-oss-meta-")} == {"x-oss-meta-kind"}
    stored = await in_thread(moto.head_object, Bucket=bucket, Key="c.bin")
    assert stored["Metadata"] == {"kind": "raw", "osprey-crc64": _oss_crc(data)}
    copied = await in_thread(oss.copy_object, bucket, "c.bin", "d.bin")
    assert copied.status == 200
    assert (await in_thread(oss.head_object, "d.bin")).headers["x-oss-hash-crc64ecma"] == _oss_crc(data)


async def test_oss_v2_sdk_checks_the_crc_of_put_and_get(osprey, bucket):
    client = _v2_client(osprey)
    data = b"v2 sdk body" * 1000
    put = await in_thread(client.put_object, oss_v2.PutObjectRequest(bucket=bucket, key="v2.bin", body=data))
    assert put.hash_crc64 == _oss_crc(data)
    got = await in_thread(client.get_object, oss_v2.GetObjectRequest(bucket=bucket, key="v2.bin"))
    assert (got.hash_crc64, await in_thread(got.body.read)) == (_oss_crc(data), data)


async def test_a_client_crc_is_verified_and_kept(osprey, moto, bucket):
    oss = oss_bucket(osprey, oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET), bucket)
    data = b"declared" * 100
    await in_thread(oss.put_object, "ok.bin", data, headers={"x-oss-hash-crc64ecma": _oss_crc(data)})
    assert (await in_thread(oss.head_object, "ok.bin")).headers["x-oss-hash-crc64ecma"] == _oss_crc(data)
    with pytest.raises(oss2.exceptions.InvalidDigest) as refused:
        await in_thread(oss.put_object, "bad.bin", data, headers={"x-oss-hash-crc64ecma": _oss_crc(data + b"x")})
    assert refused.value.status == 400
    keys = [o["Key"] for o in (await in_thread(moto.list_objects_v2, Bucket=bucket))["Contents"]]
    assert keys == ["ok.bin"]


async def test_a_client_cannot_set_the_kept_crc_itself(osprey, moto, bucket):
    oss = oss_bucket(osprey, oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET), bucket)
    await in_thread(oss.put_object, "f.bin", b"forged", headers={"x-oss-meta-osprey-crc64": "12345"})
    stored = await in_thread(moto.head_object, Bucket=bucket, Key="f.bin")
    assert stored["Metadata"] == {"osprey-crc64": _oss_crc(b"forged")}


async def test_upload_part_answers_the_part_crc(osprey, bucket):
    oss = oss_bucket(osprey, oss2.Auth(CLIENT_KEY, CLIENT_SECRET), bucket)
    upload = (await in_thread(oss.init_multipart_upload, "m.bin")).upload_id
    part = await in_thread(oss.upload_part, "m.bin", upload, 1, b"part one")
    assert part.crc == int(_oss_crc(b"part one"))  # oss2 has compared it with its own already


async def test_a_put_past_the_crc_buffer_is_answered_with_its_crc_but_not_kept(aiohttp_server, moto_server, moto,
                                                                               bucket):
    config = moto_config(moto_server)
    config = replace(config, limits=replace(config.limits, crc64_buffer_bytes=1000))
    server = await aiohttp_server(build_app(config))
    oss = oss_bucket(server.make_url("/"), oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET), bucket)
    small, large = b"s" * 1000, os.urandom(1001)
    for key, data in (("small.bin", small), ("large.bin", large)):
        assert (await in_thread(oss.put_object, key, data)).crc == int(_oss_crc(data))
    assert (await in_thread(moto.head_object, Bucket=bucket, Key="small.bin"))["Metadata"] == {
        "osprey-crc64": _oss_crc(small)}
    assert (await in_thread(moto.head_object, Bucket=bucket, Key="large.bin"))["Metadata"] == {}
    got = await in_thread(oss.get_object, "large.bin")
    assert "x-oss-hash-crc64ecma" not in got.headers and await in_thread(got.read) == large
    # A body of unknown length is spooled whole before it goes upstream: its CRC is known, so kept, at any size.
    await in_thread(oss.put_object, "chunked.bin", iter([large[:500], large[500:]]))
    assert (await in_thread(oss.head_object, "chunked.bin")).headers["x-oss-hash-crc64ecma"] == _oss_crc(large)
