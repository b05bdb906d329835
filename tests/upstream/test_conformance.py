"""The contract every upstream backend keeps, run against each of them (see conftest `upstream`)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from proxy.errors import OssError
from proxy.httpdate import http_date
from proxy.upstream.interface import Upstream, read_capped
from proxy.upstream.objects import Conditions, ObjectStream

TEN = b"0123456789"
MIB = 1024 * 1024


async def body_of(stream: ObjectStream) -> bytes:
    return b"".join([chunk async for chunk in stream.body])


async def error_of(call: Awaitable[object]) -> OssError:
    with pytest.raises(OssError) as caught:
        await call
    return caught.value


async def test_put_then_get_returns_the_bytes_content_type_and_metadata(
    upstream: Upstream, bucket: str,
) -> None:
    etag = await upstream.put(bucket, "photos/héllo wörld.txt", TEN, "text/plain",
                              {"owner": "ada", "kind": "sample"})

    stream = await upstream.get(bucket, "photos/héllo wörld.txt")

    assert stream.status == 200
    assert stream.content_length == 10
    assert stream.content_range is None
    assert await body_of(stream) == TEN
    assert stream.meta.size == 10
    assert stream.meta.etag == etag
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2
    assert stream.meta.content_type == "text/plain"
    assert dict(stream.meta.metadata) == {"owner": "ada", "kind": "sample"}
    assert abs(stream.meta.last_modified - datetime.now(UTC)) < timedelta(minutes=1)


async def test_head_reports_what_get_reports_without_a_body(upstream: Upstream, bucket: str) -> None:
    etag = await upstream.put(bucket, "a.bin", TEN, "image/png", {"owner": "ada"})

    meta = await upstream.head(bucket, "a.bin")

    assert (meta.size, meta.etag, meta.content_type) == (10, etag, "image/png")
    assert dict(meta.metadata) == {"owner": "ada"}
    assert meta == (await upstream.get(bucket, "a.bin")).meta


async def test_put_without_content_type_gets_octet_stream(upstream: Upstream, bucket: str) -> None:
    await upstream.put(bucket, "a.jpg", TEN)

    assert (await upstream.head(bucket, "a.jpg")).content_type == "application/octet-stream"


async def test_overwrite_serves_the_new_bytes_under_a_new_etag(upstream: Upstream, bucket: str) -> None:
    first = await upstream.put(bucket, "a.txt", TEN, "text/plain")
    second = await upstream.put(bucket, "a.txt", TEN[::-1], "text/csv")

    stream = await upstream.get(bucket, "a.txt")

    assert second != first
    assert stream.meta.etag == second
    assert stream.meta.content_type == "text/csv"
    assert await body_of(stream) == TEN[::-1]


async def test_stream_opened_before_an_overwrite_serves_the_old_bytes_whole(
    upstream: Upstream, bucket: str,
) -> None:
    old = os.urandom(3 * MIB)
    await upstream.put(bucket, "big.bin", old)
    stream = await upstream.get(bucket, "big.bin")

    await upstream.put(bucket, "big.bin", b"new")

    assert await body_of(stream) == old
    assert await body_of(await upstream.get(bucket, "big.bin")) == b"new"


async def test_multi_chunk_object_streams_in_several_chunks_with_exact_bytes(
    upstream: Upstream, bucket: str,
) -> None:
    data = os.urandom(3 * MIB + 17)
    await upstream.put(bucket, "big.bin", data)

    stream = await upstream.get(bucket, "big.bin")
    chunks = [chunk async for chunk in stream.body]

    assert stream.content_length == len(data)
    assert len(chunks) > 1
    assert max(len(chunk) for chunk in chunks) <= MIB
    assert b"".join(chunks) == data


async def test_empty_object_round_trips(upstream: Upstream, bucket: str) -> None:
    await upstream.put(bucket, "empty", b"")

    stream = await upstream.get(bucket, "empty")

    assert (stream.status, stream.content_length, stream.meta.size) == (200, 0, 0)
    assert await body_of(stream) == b""


@pytest.mark.parametrize(("header", "content_range", "expected"), [
    ("bytes=2-5", "bytes 2-5/10", b"2345"),
    ("bytes=7-", "bytes 7-9/10", b"789"),
    ("bytes=-3", "bytes 7-9/10", b"789"),
    ("bytes=5-100", "bytes 5-9/10", b"56789"),
    ("bytes=-100", "bytes 0-9/10", TEN),
    ("bytes=0-0", "bytes 0-0/10", b"0"),
])
async def test_range_answers_206_with_content_range_and_exact_bytes(
    upstream: Upstream, bucket: str, header: str, content_range: str, expected: bytes,
) -> None:
    await upstream.put(bucket, "ten.txt", TEN)

    stream = await upstream.get(bucket, "ten.txt", Conditions(range=header))

    assert stream.status == 206
    assert stream.content_range == content_range
    assert stream.content_length == len(expected)
    assert stream.meta.size == 10
    assert await body_of(stream) == expected


async def test_range_within_a_multi_chunk_object_is_exact(upstream: Upstream, bucket: str) -> None:
    data = os.urandom(2 * MIB)
    await upstream.put(bucket, "big.bin", data)

    stream = await upstream.get(bucket, "big.bin", Conditions(range="bytes=1000-1500000"))

    assert stream.content_range == f"bytes 1000-1500000/{len(data)}"
    assert await body_of(stream) == data[1000:1500001]


@pytest.mark.parametrize("header", ["bytes=0-1,4-5", "bytes=5-2", "items=0-1", "bytes=abc", "bytes=-"])
async def test_multiple_or_malformed_ranges_are_ignored_and_the_whole_object_served(
    upstream: Upstream, bucket: str, header: str,
) -> None:
    await upstream.put(bucket, "ten.txt", TEN)

    stream = await upstream.get(bucket, "ten.txt", Conditions(range=header))

    assert (stream.status, stream.content_range) == (200, None)
    assert await body_of(stream) == TEN


@pytest.mark.parametrize("header", ["bytes=10-", "bytes=50-60", "bytes=-0"])
async def test_unsatisfiable_range_is_416_invalid_range(
    upstream: Upstream, bucket: str, header: str,
) -> None:
    await upstream.put(bucket, "ten.txt", TEN)

    err = await error_of(upstream.get(bucket, "ten.txt", Conditions(range=header)))

    assert (err.status, err.code) == (416, "InvalidRange")


@pytest.mark.parametrize("if_none_match", [
    "{etag}", "{bare}", '"nope", {etag}', "W/{etag}", "*",
], ids=["exact", "unquoted", "in-a-list", "weak", "star"])
async def test_matching_if_none_match_is_not_modified_with_the_etag(
    upstream: Upstream, bucket: str, if_none_match: str,
) -> None:
    etag = await upstream.put(bucket, "a.txt", TEN)
    header = if_none_match.format(etag=etag, bare=etag.strip('"'))

    err = await error_of(upstream.get(bucket, "a.txt", Conditions(if_none_match=header)))

    assert (err.status, err.code) == (304, "NotModified")
    assert err.extra["ETag"] == etag


async def test_other_if_none_match_serves_the_object(upstream: Upstream, bucket: str) -> None:
    await upstream.put(bucket, "a.txt", TEN)

    stream = await upstream.get(bucket, "a.txt", Conditions(if_none_match='"other", W/"else"'))

    assert stream.status == 200
    assert await body_of(stream) == TEN


@pytest.mark.parametrize(("days", "modified"), [(-1, True), (1, False)])
async def test_if_modified_since_serves_only_a_newer_object(
    upstream: Upstream, bucket: str, days: int, modified: bool,
) -> None:
    await upstream.put(bucket, "a.txt", TEN)
    since = Conditions(if_modified_since=http_date(datetime.now(UTC) + timedelta(days=days)))

    if modified:
        assert await body_of(await upstream.get(bucket, "a.txt", since)) == TEN
    else:
        assert (await error_of(upstream.get(bucket, "a.txt", since))).status == 304


async def test_if_modified_since_is_ignored_when_if_none_match_is_present(
    upstream: Upstream, bucket: str,
) -> None:
    await upstream.put(bucket, "a.txt", TEN)
    conditions = Conditions(
        if_none_match='"other"', if_modified_since=http_date(datetime.now(UTC) + timedelta(days=1)),
    )

    assert await body_of(await upstream.get(bucket, "a.txt", conditions)) == TEN


@pytest.mark.parametrize("if_match", ["{etag}", '"nope", {etag}', "*"])
async def test_matching_if_match_serves_the_object(
    upstream: Upstream, bucket: str, if_match: str,
) -> None:
    etag = await upstream.put(bucket, "a.txt", TEN)

    stream = await upstream.get(bucket, "a.txt", Conditions(if_match=if_match.format(etag=etag)))

    assert await body_of(stream) == TEN


@pytest.mark.parametrize("conditions", [
    Conditions(if_match='"nope"'),
    Conditions(if_unmodified_since="Mon, 01 Jan 2001 00:00:00 GMT"),
], ids=["if-match", "if-unmodified-since"])
async def test_failed_precondition_is_412(
    upstream: Upstream, bucket: str, conditions: Conditions,
) -> None:
    await upstream.put(bucket, "a.txt", TEN)

    err = await error_of(upstream.get(bucket, "a.txt", conditions))

    assert (err.status, err.code) == (412, "PreconditionFailed")


async def test_weak_if_match_never_matches(upstream: Upstream, bucket: str) -> None:
    etag = await upstream.put(bucket, "a.txt", TEN)

    err = await error_of(upstream.get(bucket, "a.txt", Conditions(if_match=f"W/{etag}")))

    assert err.status == 412


async def test_head_honours_if_none_match(upstream: Upstream, bucket: str) -> None:
    etag = await upstream.put(bucket, "a.txt", TEN)

    err = await error_of(upstream.head(bucket, "a.txt", Conditions(if_none_match=etag)))

    assert (err.status, err.extra["ETag"]) == (304, etag)


async def test_read_returns_the_whole_object_within_the_limit(upstream: Upstream, bucket: str) -> None:
    etag = await upstream.put(bucket, "a.txt", TEN, "text/plain")

    meta, data = await read_capped(upstream, bucket, "a.txt", max_bytes=10)

    assert (data, meta.etag, meta.content_type) == (TEN, etag, "text/plain")


async def test_read_over_the_limit_is_image_too_large_without_reading_the_body(
    upstream: Upstream, bucket: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    await upstream.put(bucket, "big.bin", os.urandom(2 * MIB))
    chunks_read: list[bytes] = []
    get = upstream.get

    async def spying_get(*args: str) -> ObjectStream:
        stream = await get(*args)
        inner = stream.body

        async def counted() -> AsyncIterator[bytes]:
            async for chunk in inner:
                chunks_read.append(chunk)
                yield chunk

        stream.body = counted()
        return stream

    monkeypatch.setattr(upstream, "get", spying_get)

    err = await error_of(read_capped(upstream, bucket, "big.bin", max_bytes=MIB))

    assert (err.status, err.code) == (400, "ImageTooLarge")
    assert str(2 * MIB) in err.message
    assert chunks_read == []


@pytest.mark.parametrize("method", ["get", "head", "read"])
async def test_missing_key_is_404_no_such_key(upstream: Upstream, bucket: str, method: str) -> None:
    call = read_capped(upstream, bucket, "nope.jpg", MIB) if method == "read" else getattr(
        upstream, method)(bucket, "nope.jpg")

    err = await error_of(call)

    assert (err.status, err.code, err.extra["Key"]) == (404, "NoSuchKey", "nope.jpg")


async def test_key_that_is_a_folder_is_404_no_such_key(upstream: Upstream, bucket: str) -> None:
    await upstream.put(bucket, "folder/a.txt", TEN)

    err = await error_of(upstream.get(bucket, "folder"))

    assert (err.status, err.code) == (404, "NoSuchKey")


@pytest.mark.parametrize("method", ["get", "head"])
async def test_missing_bucket_is_404_no_such_bucket(
    upstream: Upstream, bucket_name: str, method: str,
) -> None:
    err = await error_of(getattr(upstream, method)(bucket_name, "a.jpg"))

    assert (err.status, err.code, err.extra["BucketName"]) == (404, "NoSuchBucket", bucket_name)


async def test_put_into_a_missing_bucket_is_404_no_such_bucket(
    upstream: Upstream, bucket_name: str,
) -> None:
    err = await error_of(upstream.put(bucket_name, "a.txt", TEN))

    assert (err.status, err.code) == (404, "NoSuchBucket")


async def test_streams_closed_early_do_not_hold_up_later_requests(
    upstream: Upstream, bucket: str,
) -> None:
    data = os.urandom(3 * MIB)
    await upstream.put(bucket, "big.bin", data)

    for _ in range(5):  # more rounds than the test pool has connections
        partly_read = await upstream.get(bucket, "big.bin")
        await anext(partly_read.body)
        await partly_read.aclose()
        never_read = await upstream.get(bucket, "big.bin")
        await never_read.aclose()

    stream = await asyncio.wait_for(upstream.get(bucket, "big.bin"), timeout=10)
    assert await asyncio.wait_for(body_of(stream), timeout=10) == data


async def test_ping_succeeds_on_a_live_store(upstream: Upstream) -> None:
    await upstream.ping()


@pytest.mark.parametrize("key", ["../{other}/secret.txt", "a/../../{other}/secret.txt"])
async def test_dot_segments_in_a_key_never_reach_another_bucket(
    upstream: Upstream, bucket: str, key: str, make_bucket: Callable[[str], None],
) -> None:
    other = f"{bucket}-other"
    make_bucket(other)
    await upstream.put(other, "secret.txt", b"secret")

    err = await error_of(upstream.get(bucket, key.format(other=other)))

    assert err.status in (400, 404)  # local refuses such keys; S3 takes them literally
