"""Osprey in front of moto's S3 server, driven by boto3 as a client: the drop-in path end to end."""

import asyncio
import io

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config as BotoConfig
from PIL import Image

from proxy.app import build_app
from proxy.config import parse_config

from .conftest import jpeg_bytes


@pytest.fixture
def upstream_bucket(moto_server, bucket_name):
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket_name)
    s3.put_object(Bucket=bucket_name, Key="dir/photo.jpg", Body=jpeg_bytes((300, 150)), ContentType="image/jpeg",
                  Metadata={"owner": "ana"})
    return s3, bucket_name


@pytest.fixture
async def osprey(aiohttp_client, moto_server, upstream_bucket):
    _, bucket = upstream_bucket
    config = parse_config({
        "upstream": {"type": "s3", "endpoint": moto_server, "access_key_id": "testing",
                     "secret_access_key": "testing"},
        "buckets": {bucket: {"anonymous": "read"}},
        "limits": {"workers": 1},
    }, environ={})
    return await aiohttp_client(build_app(config))


async def _get(client, **kwargs):
    """get_object and read its body in a thread: the server shares this test's event loop."""

    def call():
        response = client.get_object(**kwargs)
        return response, response["Body"].read()

    return await asyncio.to_thread(call)


def _client_for(osprey):
    return boto3.client(
        "s3", endpoint_url=str(osprey.make_url("/")).rstrip("/"), region_name="us-east-1",
        config=BotoConfig(signature_version=UNSIGNED, s3={"addressing_style": "path"}),
    )


async def test_boto3_get_and_head_through_osprey_match_the_upstream(osprey, upstream_bucket):
    s3, bucket = upstream_bucket
    client = _client_for(osprey)
    direct, direct_body = await _get(s3, Bucket=bucket, Key="dir/photo.jpg")
    via, via_body = await _get(client, Bucket=bucket, Key="dir/photo.jpg")
    assert via_body == direct_body
    assert via["ETag"] == direct["ETag"]
    assert via["ContentType"] == "image/jpeg"
    assert via["Metadata"] == {"owner": "ana"}
    head = await asyncio.to_thread(client.head_object, Bucket=bucket, Key="dir/photo.jpg")
    assert head["ContentLength"] == direct["ContentLength"]


async def test_boto3_ranged_get_through_osprey(osprey, upstream_bucket):
    s3, bucket = upstream_bucket
    client = _client_for(osprey)
    _, whole = await _get(s3, Bucket=bucket, Key="dir/photo.jpg")
    part, part_body = await _get(client, Bucket=bucket, Key="dir/photo.jpg", Range="bytes=100-199")
    assert part_body == whole[100:200]
    assert part["ContentRange"] == f"bytes 100-199/{len(whole)}"


async def test_processing_an_object_held_in_s3(osprey, upstream_bucket):
    _, bucket = upstream_bucket
    resp = await osprey.get(f"/{bucket}/dir/photo.jpg?x-oss-process=image/resize,w_100/format,png")
    assert resp.status == 200 and resp.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(await resp.read()))
    assert (image.format, image.size) == ("PNG", (100, 50))


async def test_missing_key_in_s3_keeps_its_code(osprey, upstream_bucket):
    _, bucket = upstream_bucket
    client = _client_for(osprey)
    with pytest.raises(client.exceptions.NoSuchKey):
        await _get(client, Bucket=bucket, Key="nope.jpg")
