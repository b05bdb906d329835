"""The shared L2 cache on moto's S3 server: one replica writes a rendition, another reads it back."""

import asyncio

import boto3
import pytest

from proxy.app import build_app
from proxy.config import parse_config
from proxy.front.services import SERVICES

from .conftest import jpeg_bytes

URL_CHAIN = "image/resize,w_64/format,png"


@pytest.fixture
def buckets(moto_server, bucket_name):
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    cache_bucket = f"{bucket_name}-l2"
    for name in (bucket_name, cache_bucket):
        s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=bucket_name, Key="a.jpg", Body=jpeg_bytes((256, 128)), ContentType="image/jpeg")
    return s3, bucket_name, cache_bucket


async def _replica(aiohttp_client, moto_server, bucket, cache_bucket, **cache):
    config = parse_config({
        "upstream": {"type": "s3", "endpoint": moto_server, "access_key_id": "testing",
                     "secret_access_key": "testing"},
        "buckets": {bucket: {"anonymous": "read"}},
        "cache": {"l2_bucket": cache_bucket, **cache},
        "limits": {"workers": 1},
    }, environ={})
    client = await aiohttp_client(build_app(config))
    svc = client.app[SERVICES]
    runs = []
    real_run = svc.pool.run

    async def counted(fn, *args, **lane):
        runs.append(fn)
        return await real_run(fn, *args, **lane)

    svc.pool.run = counted
    return client, runs


async def test_a_second_replica_reads_the_rendition_another_wrote(aiohttp_client, moto_server, buckets):
    s3, bucket, cache_bucket = buckets
    first, first_runs = await _replica(aiohttp_client, moto_server, bucket, cache_bucket)
    resp = await first.get(f"/{bucket}/a.jpg?x-oss-process={URL_CHAIN}")
    body = await resp.read()
    assert resp.status == 200 and len(first_runs) == 1
    stored = await asyncio.to_thread(s3.list_objects_v2, Bucket=cache_bucket, Prefix="osprey-cache/")
    assert stored["KeyCount"] == 1
    obj = await asyncio.to_thread(s3.get_object, Bucket=cache_bucket, Key=stored["Contents"][0]["Key"])
    assert obj["ContentType"] == "image/png" and await asyncio.to_thread(obj["Body"].read) == body

    second, second_runs = await _replica(aiohttp_client, moto_server, bucket, cache_bucket)
    again = await second.get(f"/{bucket}/a.jpg?x-oss-process={URL_CHAIN}")
    assert await again.read() == body and again.headers["Content-Type"] == "image/png"
    assert again.headers["ETag"] == resp.headers["ETag"]
    assert second_runs == []


async def test_an_overwritten_source_never_meets_its_old_l2_entry(aiohttp_client, moto_server, buckets):
    s3, bucket, cache_bucket = buckets
    client, runs = await _replica(aiohttp_client, moto_server, bucket, cache_bucket, max_bytes=0)
    first = await (await client.get(f"/{bucket}/a.jpg?x-oss-process={URL_CHAIN}")).read()
    await asyncio.to_thread(s3.put_object, Bucket=bucket, Key="a.jpg", Body=jpeg_bytes((128, 128)))
    second = await (await client.get(f"/{bucket}/a.jpg?x-oss-process={URL_CHAIN}")).read()
    assert first != second and len(runs) == 2


async def test_entries_older_than_the_max_age_are_recomputed(aiohttp_client, moto_server, buckets):
    _, bucket, cache_bucket = buckets
    # 3 s, not 1: an L2 entry's age comes from its Last-Modified, whole seconds, so a fresh entry can read up to
    # a second old, and a loaded machine adds the time of the first miss.
    client, runs = await _replica(aiohttp_client, moto_server, bucket, cache_bucket, max_bytes=0, l2_max_age_s=3)
    for _ in range(2):
        assert (await client.get(f"/{bucket}/a.jpg?x-oss-process={URL_CHAIN}")).status == 200
    assert len(runs) == 1  # the second came from L2
    await asyncio.sleep(4.1)
    assert (await client.get(f"/{bucket}/a.jpg?x-oss-process={URL_CHAIN}")).status == 200
    assert len(runs) == 2
