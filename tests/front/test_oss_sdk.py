"""OSS apps unchanged: the official OSS SDKs (oss2, alibabacloud-oss-v2) through Osprey in front of moto, each
answer checked as the SDK reads it and, where Osprey wrote something, on moto itself."""

import base64
import hashlib

import alibabacloud_oss_v2 as oss_v2
import oss2
import pytest
import requests

from .clients import in_thread, oss_bucket, s3_client
from .conftest import CLIENT_KEY, CLIENT_SECRET
from .test_passthrough_e2e import OSS_AUTHS

MIB = 1024 * 1024


def _v2_client(endpoint):
    config = oss_v2.config.load_default()
    config.credentials_provider = oss_v2.credentials.StaticCredentialsProvider(CLIENT_KEY, CLIENT_SECRET)
    config.region, config.endpoint = "cn-hangzhou", endpoint.rstrip("/")
    config.use_path_style = True
    return oss_v2.Client(config)


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@pytest.mark.parametrize("auth", OSS_AUTHS)
async def test_oss2_lists_multipart_uploads_and_parts_with_every_marker(osprey, bucket, auth):
    oss = oss_bucket(osprey, auth, bucket)
    upload = (await in_thread(oss.init_multipart_upload, "big.bin")).upload_id
    await in_thread(oss.upload_part, "big.bin", upload, 1, b"p" * 1024)
    uploads = await in_thread(oss.list_multipart_uploads)
    assert [(u.key, u.upload_id) for u in uploads.upload_list] == [("big.bin", upload)]
    assert (uploads.is_truncated, uploads.next_key_marker, uploads.next_upload_id_marker) == (False, "", "")
    parts = await in_thread(oss.list_parts, "big.bin", upload)
    assert [(p.part_number, p.size, p.etag) for p in parts.parts] == [(1, 1024, _md5(b"p" * 1024).upper())]
    assert parts.is_truncated is False
    every = await in_thread(lambda: list(oss2.MultipartUploadIterator(oss)))
    assert [u.upload_id for u in every] == [upload]


async def test_oss2_sees_no_live_channels_and_cannot_create_one(osprey, bucket):
    oss = oss_bucket(osprey, oss2.Auth(CLIENT_KEY, CLIENT_SECRET), bucket)
    listed = await in_thread(oss.list_live_channel)
    assert (listed.channels, listed.is_truncated, listed.prefix, listed.max_keys) == ([], False, "", 100)
    config = oss2.models.LiveChannelInfo(target=oss2.models.LiveChannelInfoTarget(playlist_name="p.m3u8"))
    with pytest.raises(oss2.exceptions.ServerError) as refused:
        await in_thread(oss.create_live_channel, "cam", config)
    assert (refused.value.status, refused.value.code) == (501, "NotImplemented")
    assert "live channel" in refused.value.message.lower()
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        await in_thread(oss_bucket(osprey, oss2.Auth(CLIENT_KEY, CLIENT_SECRET), bucket + "-gone").list_live_channel)


@pytest.mark.parametrize("auth", OSS_AUTHS)
async def test_object_type_and_upper_case_etags_on_get_head_and_listings(osprey, moto, bucket, auth):
    oss = oss_bucket(osprey, auth, bucket)
    put = await in_thread(oss.put_object, "plain.txt", b"hello")
    assert put.etag == _md5(b"hello").upper()
    upload = (await in_thread(oss.init_multipart_upload, "multi.bin")).upload_id
    part = await in_thread(oss.upload_part, "multi.bin", upload, 1, b"x" * 10)
    assert part.etag == _md5(b"x" * 10).upper()
    done = await in_thread(oss.complete_multipart_upload, "multi.bin", upload,
                           [oss2.models.PartInfo(1, part.etag)])
    assert done.etag.endswith("-1") and done.etag == done.etag.upper()

    head = await in_thread(oss.head_object, "plain.txt")
    assert (head.object_type, head.etag) == ("Normal", _md5(b"hello").upper())
    got = await in_thread(oss.get_object, "multi.bin")
    assert (got.object_type, got.etag, await in_thread(got.read)) == ("Multipart", done.etag, b"x" * 10)
    listed = {o.key: (o.etag, o.type) for o in (await in_thread(oss.list_objects)).object_list}
    assert listed == {"plain.txt": (put.etag, "Normal"), "multi.bin": (done.etag, "Multipart")}
    copied = await in_thread(oss.copy_object, bucket, "plain.txt", "copy.txt")
    assert copied.etag == put.etag
    # An S3 client keeps S3's spelling.
    assert (await in_thread(moto.head_object, Bucket=bucket, Key="plain.txt"))["ETag"] == f'"{_md5(b"hello")}"'
    s3_head = await in_thread(s3_client(osprey).head_object, Bucket=bucket, Key="plain.txt")
    assert s3_head["ETag"] == f'"{_md5(b"hello")}"'


@pytest.mark.parametrize("etag_case", [str.upper, str.lower], ids=["upper", "lower"])
async def test_conditional_reads_accept_either_case_of_the_etag(osprey, bucket, etag_case):
    oss = oss_bucket(osprey, oss2.Auth(CLIENT_KEY, CLIENT_SECRET), bucket)
    await in_thread(oss.put_object, "c.txt", b"body")
    etag = f'"{etag_case(_md5(b"body"))}"'
    got = await in_thread(oss.get_object, "c.txt", headers={"If-Match": etag})
    assert await in_thread(got.read) == b"body"
    with pytest.raises(oss2.exceptions.NotModified):
        await in_thread(oss.get_object, "c.txt", headers={"If-None-Match": etag})
    await in_thread(oss.copy_object, bucket, "c.txt", "d.txt", headers={"x-oss-copy-source-if-match": etag})
    assert await in_thread(oss.object_exists, "d.txt")


async def test_oss2_resumable_upload_of_a_multipart_object(osprey, moto, bucket, tmp_path):
    oss = oss_bucket(osprey, oss2.Auth(CLIENT_KEY, CLIENT_SECRET), bucket)
    source = tmp_path / "big.bin"
    source.write_bytes(b"r" * (5 * MIB) + b"end")
    store = oss2.ResumableStore(root=str(tmp_path))
    await in_thread(oss2.resumable_upload, oss, "big.bin", str(source), store=store,
                    multipart_threshold=MIB, part_size=5 * MIB)
    stored = await in_thread(moto.get_object, Bucket=bucket, Key="big.bin")
    assert stored["ContentLength"] == 5 * MIB + 3 and stored["ETag"].endswith('-2"')
    assert (await in_thread(oss.head_object, "big.bin")).object_type == "Multipart"


async def test_a_content_md5_mismatch_is_invalid_digest(osprey, moto, bucket):
    oss = oss_bucket(osprey, oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET), bucket)
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(oss2.exceptions.InvalidDigest):
        await in_thread(oss.put_object, "d.txt", b"data", headers={"Content-MD5": wrong})
    assert "Contents" not in await in_thread(moto.list_objects_v2, Bucket=bucket)


async def test_object_exists_on_a_missing_bucket_raises_no_such_bucket(osprey, bucket):
    oss = oss_bucket(osprey, oss2.Auth(CLIENT_KEY, CLIENT_SECRET), bucket)
    assert not await in_thread(oss.object_exists, "nothing-here")
    missing = oss_bucket(osprey, oss2.Auth(CLIENT_KEY, CLIENT_SECRET), bucket + "-gone")
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        await in_thread(missing.object_exists, "nothing-here")
    meta = await in_thread(oss.put_object, "m.txt", b"12345")
    got = await in_thread(oss.get_object_meta, "m.txt")
    assert (got.content_length, got.etag) == (5, meta.etag)


@pytest.mark.parametrize("auth", OSS_AUTHS)
async def test_storage_class_and_encryption_come_back_in_oss_terms(osprey, moto, bucket, auth):
    oss = oss_bucket(osprey, auth, bucket)
    await in_thread(oss.put_object, "ia.txt", b"cold", headers={"x-oss-storage-class": "IA",
                                                               "x-oss-server-side-encryption": "AES256"})
    stored = await in_thread(moto.head_object, Bucket=bucket, Key="ia.txt")
    assert (stored["StorageClass"], stored["ServerSideEncryption"]) == ("STANDARD_IA", "AES256")
    head = await in_thread(oss.head_object, "ia.txt")
    assert head.headers["x-oss-storage-class"] == "IA"
    assert head.headers["x-oss-server-side-encryption"] == "AES256"
    assert (await in_thread(oss.get_object, "ia.txt")).headers["x-oss-storage-class"] == "IA"
    await in_thread(moto.put_object, Bucket=bucket, Key="glacier.txt", Body=b"g", StorageClass="GLACIER")
    listed = {o.key: o.storage_class for o in (await in_thread(oss.list_objects)).object_list}
    assert listed == {"glacier.txt": "Archive", "ia.txt": "IA"}


@pytest.mark.parametrize("auth", OSS_AUTHS)
async def test_a_key_with_a_newline_is_reachable(make_client, local_root, auth):
    # Over the local upstream: moto's own router cannot reach such a key.
    client = await make_client()
    oss = oss_bucket(client.make_url("/"), auth, "photos")
    await in_thread(oss.put_object, "two\nlines.txt", b"nl")
    assert (local_root / "photos" / "two\nlines.txt").read_bytes() == b"nl"
    assert await in_thread((await in_thread(oss.get_object, "two\nlines.txt")).read) == b"nl"
    assert (await in_thread(oss.head_object, "two\nlines.txt")).content_length == 2
    await in_thread(oss.delete_object, "two\nlines.txt")
    assert not (local_root / "photos" / "two\nlines.txt").exists()


async def test_an_anonymous_key_with_a_newline_gets_an_xml_error(osprey, bucket):
    resp = await in_thread(requests.get, f"{osprey.rstrip('/')}/{bucket}/a%0Ab", timeout=10)
    assert resp.status_code == 403 and b"<Code>AccessDenied</Code>" in resp.content
    assert resp.headers["x-oss-request-id"]


async def test_an_upload_without_content_type_is_application_octet_stream(osprey, moto, bucket):
    client = _v2_client(osprey)
    await in_thread(client.put_object, oss_v2.PutObjectRequest(bucket=bucket, key="noext", body=b"raw"))
    assert (await in_thread(moto.head_object, Bucket=bucket, Key="noext"))["ContentType"] == \
        "application/octet-stream"


async def test_a_key_starting_with_a_backslash_is_invalid_object_name(osprey, moto, bucket):
    oss = oss_bucket(osprey, oss2.Auth(CLIENT_KEY, CLIENT_SECRET), bucket)
    with pytest.raises(oss2.exceptions.InvalidObjectName):
        await in_thread(oss.put_object, "\\windows.txt", b"w")
    assert "Contents" not in await in_thread(moto.list_objects_v2, Bucket=bucket)


async def test_oss_listings_default_to_100_entries(osprey, moto, bucket):
    for number in range(101):
        await in_thread(moto.put_object, Bucket=bucket, Key=f"k{number:03}", Body=b"")
    client = _v2_client(osprey)
    v1 = await in_thread(client.list_objects, oss_v2.ListObjectsRequest(bucket=bucket))
    assert (len(v1.contents), v1.is_truncated, v1.max_keys) == (100, True, 100)
    rest = await in_thread(client.list_objects, oss_v2.ListObjectsRequest(bucket=bucket, marker=v1.next_marker))
    assert [o.key for o in rest.contents] == ["k100"]
    pages = await in_thread(lambda: [len(page.contents) for page in client.list_objects_v2_paginator()
                                     .iter_page(oss_v2.ListObjectsV2Request(bucket=bucket))])
    assert pages == [100, 1]
    s3_listing = await in_thread(s3_client(osprey).list_objects_v2, Bucket=bucket)
    assert s3_listing["KeyCount"] == 101  # S3's default of 1,000 for S3 clients


@pytest.mark.parametrize("max_keys", [1001, None], ids=["1001", "no-number"])
async def test_a_page_size_oss_does_not_allow_is_invalid_argument(osprey, bucket, max_keys):
    oss = oss_bucket(osprey, oss2.Auth(CLIENT_KEY, CLIENT_SECRET), bucket)
    with pytest.raises(oss2.exceptions.ServerError) as refused:
        await in_thread(oss.list_objects, max_keys=max_keys)  # oss2 sends `max-keys=None`
    assert (refused.value.status, refused.value.code) == (400, "InvalidArgument")


_UNSUPPORTED = [
    pytest.param(lambda b: b.append_object("a.txt", 0, b"x"), "append", id="append"),
    pytest.param(lambda b: b.put_symlink("a.txt", "link"), "symlink", id="put-symlink"),
    pytest.param(lambda b: b.get_symlink("link"), "symlink", id="get-symlink"),
    pytest.param(lambda b: b.get_bucket_referer(), "referer", id="referer"),
    pytest.param(lambda b: b.get_bucket_request_payment(), "request payment", id="request-payment"),
    pytest.param(lambda b: b.get_bucket_worm(), "worm", id="worm"),
    pytest.param(lambda b: b.get_bucket_replication(), "replication", id="replication"),
    pytest.param(lambda b: b.get_bucket_inventory_configuration("i"), "inventory", id="inventory"),
    pytest.param(lambda b: b.get_bucket_style("s"), "style", id="style"),
    pytest.param(lambda b: b.list_bucket_style(), "style", id="list-styles"),
    pytest.param(lambda b: b.restore_object("a.txt"), "restore", id="restore"),
    pytest.param(lambda b: b.get_object_acl("a.txt"), "acl", id="object-acl"),
    pytest.param(lambda b: b.put_bucket_acl(oss2.BUCKET_ACL_PRIVATE), "acl", id="bucket-acl"),
    pytest.param(lambda b: b.async_process_object("a.txt", "video/convert"), "async", id="async-process"),
    pytest.param(lambda b: b.get_access_point("ap"), "access point", id="access-point"),
    pytest.param(lambda b: oss2.Service(b.auth, b.endpoint).list_access_points(), "access point",
                 id="list-access-points"),
    pytest.param(lambda b: b.get_bucket_info(), "bucket info", id="bucket-info"),
    pytest.param(lambda b: b.get_bucket_stat(), "bucket stat", id="bucket-stat"),
]


@pytest.mark.parametrize(("call", "feature"), _UNSUPPORTED)
async def test_an_oss_feature_osprey_lacks_answers_501_naming_it(osprey, moto, bucket, call, feature):
    await in_thread(moto.put_object, Bucket=bucket, Key="a.txt", Body=b"a")
    oss = oss_bucket(osprey, oss2.Auth(CLIENT_KEY, CLIENT_SECRET), bucket)
    with pytest.raises(oss2.exceptions.ServerError) as refused:
        await in_thread(call, oss)
    assert (refused.value.status, refused.value.code) == (501, "NotImplemented")
    assert feature in refused.value.message.lower()
    assert (await in_thread(moto.get_object, Bucket=bucket, Key="a.txt"))["Body"].read() == b"a"


async def test_an_s3_caller_keeps_the_s3_sub_resources_oss_callers_are_refused(osprey, moto, bucket):
    await in_thread(moto.put_object, Bucket=bucket, Key="a.txt", Body=b"a")
    acl = await in_thread(s3_client(osprey).get_object_acl, Bucket=bucket, Key="a.txt")
    assert acl["Grants"] and acl["Owner"]["ID"]


async def test_oss2_over_a_local_upstream(make_client, local_root):
    client = await make_client()
    oss = oss_bucket(client.make_url("/"), oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET), "photos")
    upload = (await in_thread(oss.init_multipart_upload, "big.bin")).upload_id
    uploads = await in_thread(oss.list_multipart_uploads)
    assert [u.upload_id for u in uploads.upload_list] == [upload]
    assert (uploads.next_key_marker, uploads.next_upload_id_marker) == ("", "")
    assert (await in_thread(oss.list_parts, "big.bin", upload)).parts == []
    assert (await in_thread(oss.list_live_channel)).channels == []
    head = await in_thread(oss.head_object, "notes.txt")
    s3_etag = (await in_thread(s3_client(client.make_url("/")).head_object, Bucket="photos", Key="notes.txt"))["ETag"]
    expected = s3_etag.strip('"').upper()
    assert expected != s3_etag.strip('"')
    assert (head.object_type, head.etag, head.headers["x-oss-storage-class"]) == ("Normal", expected, "Standard")
    listed = (await in_thread(oss.list_objects)).object_list
    assert {o.key: (o.etag, o.storage_class) for o in listed}["notes.txt"] == (expected, "Standard")


async def test_a_traffic_limit_is_refused_rather_than_ignored(osprey, moto, bucket):
    oss = oss_bucket(osprey, oss2.Auth(CLIENT_KEY, CLIENT_SECRET), bucket)
    with pytest.raises(oss2.exceptions.ServerError) as refused:
        await in_thread(oss.put_object, "t.txt", b"t", headers={"x-oss-traffic-limit": str(100 * 1024 * 8)})
    assert (refused.value.status, refused.value.code) == (501, "NotImplemented")
    assert "traffic limit" in refused.value.message.lower()
    assert "Contents" not in await in_thread(moto.list_objects_v2, Bucket=bucket)


async def test_empty_list_options_reach_the_upstream_as_given(osprey, moto, bucket):
    await in_thread(moto.put_object, Bucket=bucket, Key="a/b", Body=b"")
    s3 = s3_client(osprey)
    listed = await in_thread(s3.list_objects, Bucket=bucket, Prefix="", Delimiter="", Marker="")
    direct = await in_thread(moto.list_objects, Bucket=bucket, Prefix="", Delimiter="", Marker="")
    assert listed.get("Prefix") == direct.get("Prefix") == ""  # moto echoes a prefix only when one is given
    assert {k: listed.get(k) for k in ("Delimiter", "Marker")} == {k: direct.get(k) for k in ("Delimiter", "Marker")}
    v2 = await in_thread(s3.list_objects_v2, Bucket=bucket, Prefix="", StartAfter="")
    assert [o["Key"] for o in v2["Contents"]] == ["a/b"] and v2["Prefix"] == ""
    oss = await in_thread(oss_bucket(osprey, oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET), bucket).list_objects_v2)
    assert [o.key for o in oss.object_list] == ["a/b"]  # oss2 sends `continuation-token=` on a first page


async def test_a_content_encoding_list_is_stored_byte_for_byte(osprey, moto, bucket):
    oss = oss_bucket(osprey, oss2.AuthV4(CLIENT_KEY, CLIENT_SECRET), bucket)
    await in_thread(oss.put_object, "enc.bin", b"z", headers={"Content-Encoding": "deflate, gzip"})
    assert (await in_thread(moto.head_object, Bucket=bucket, Key="enc.bin"))["ContentEncoding"] == "deflate, gzip"


async def test_a_key_longer_than_oss_allows_is_invalid_object_name(osprey, moto, bucket):
    oss = oss_bucket(osprey, oss2.Auth(CLIENT_KEY, CLIENT_SECRET), bucket)
    with pytest.raises(oss2.exceptions.InvalidObjectName):
        await in_thread(oss.put_object, "k" * 1024, b"long")  # S3 would take it
    assert "Contents" not in await in_thread(moto.list_objects_v2, Bucket=bucket)


async def test_creating_a_bucket_the_caller_owns_is_bucket_already_exists(osprey, bucket, moto_server):
    await in_thread(s3_client(moto_server, "testing", "testing").create_bucket, Bucket=bucket + "-eu",
                    CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    oss = oss_bucket(osprey, oss2.Auth(CLIENT_KEY, CLIENT_SECRET), bucket + "-eu")
    with pytest.raises(oss2.exceptions.ServerError) as refused:
        await in_thread(oss.create_bucket)
    assert (refused.value.status, refused.value.code) == (409, "BucketAlreadyExists")
