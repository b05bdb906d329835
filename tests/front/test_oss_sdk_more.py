"""OSS apps unchanged, continued: part copies with an open range, OSS signature V2 and CRC-64 end-to-end checks,
each through the official SDK against Osprey in front of moto and checked on moto itself."""

import os

import alibabacloud_oss_v2 as oss_v2
import oss2
import pytest

from .clients import in_thread, oss_bucket
from .conftest import CLIENT_KEY, CLIENT_SECRET
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
