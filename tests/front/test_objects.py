"""Plain GET/HEAD through the front: addressing, streaming, Range, conditionals, errors."""

import resource
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime

from yarl import URL

from proxy.front.services import SERVICES

from .conftest import local_config
from .xml import error_of


async def test_path_style_get_returns_the_bytes_and_upstream_headers(make_client, local_root):
    client = await make_client()
    resp = await client.get("/photos/notes.txt")
    assert resp.status == 200
    body = await resp.read()
    assert body == (local_root / "photos" / "notes.txt").read_bytes()
    assert resp.headers["Content-Type"] == "text/plain"
    assert resp.headers["Content-Length"] == str(len(body))
    assert resp.headers["ETag"].startswith('"')
    assert parsedate_to_datetime(resp.headers["Last-Modified"])
    assert len(resp.headers["x-oss-request-id"]) == 24


async def test_virtual_hosted_addressing(make_client, local_root):
    client = await make_client(server={"virtual_host_domain": "img.test"})
    resp = await client.get("/notes.txt", headers={"Host": "photos.img.test"})
    assert resp.status == 200
    assert await resp.read() == (local_root / "photos" / "notes.txt").read_bytes()
    path_style = await client.get("/photos/notes.txt", headers={"Host": "img.test"})
    assert path_style.status == 200


async def test_single_bucket_addressing_serves_keys_at_the_root(make_client, local_root):
    client = await make_client(server={"single_bucket": "photos"})
    resp = await client.get("/notes.txt")
    assert resp.status == 200 and await resp.read() == (local_root / "photos" / "notes.txt").read_bytes()
    assert (await client.get("/_osprey/healthz")).status == 200


async def test_head_has_length_and_validators_but_no_body(make_client, local_root):
    client = await make_client()
    resp = await client.head("/photos/notes.txt")
    assert resp.status == 200
    assert resp.headers["Content-Length"] == "10000"
    assert await resp.read() == b""
    get = await client.get("/photos/notes.txt")
    assert resp.headers["ETag"] == get.headers["ETag"]


async def test_range_requests_give_206_with_exact_bytes(make_client, local_root):
    client = await make_client()
    data = (local_root / "photos" / "notes.txt").read_bytes()
    resp = await client.get("/photos/notes.txt", headers={"Range": "bytes=10-19"})
    assert resp.status == 206
    assert resp.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert await resp.read() == data[10:20]
    suffix = await client.get("/photos/notes.txt", headers={"Range": "bytes=-5"})
    assert suffix.status == 206 and await suffix.read() == data[-5:]
    bad = await client.get("/photos/notes.txt", headers={"Range": "bytes=20000-"})
    assert bad.status == 416
    assert (await error_of(bad))["Code"] == "InvalidRange"


async def test_conditional_get_answers_304_with_validators(make_client):
    client = await make_client()
    first = await client.get("/photos/notes.txt")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = await client.get("/photos/notes.txt", headers={"If-None-Match": etag})
    assert again.status == 304 and await again.read() == b""
    assert again.headers["ETag"] == etag
    since = await client.get("/photos/notes.txt", headers={"If-Modified-Since": modified})
    assert since.status == 304
    older = format_datetime(parsedate_to_datetime(modified) - timedelta(days=1), usegmt=True)
    changed = await client.get("/photos/notes.txt", headers={"If-Modified-Since": older})
    assert changed.status == 200
    other = await client.get("/photos/notes.txt", headers={"If-None-Match": '"something-else"'})
    assert other.status == 200


async def test_user_metadata_and_content_type_come_back_as_stored(make_client, local_root):
    client = await make_client()
    await client.app[SERVICES].upstream.put("photos", "meta.bin", b"\x00\x01", "application/x-custom", {"owner": "ana"})
    resp = await client.get("/photos/meta.bin")
    assert resp.status == 200 and await resp.read() == b"\x00\x01"
    assert resp.headers["Content-Type"] == "application/x-custom"
    assert resp.headers["x-amz-meta-owner"] == "ana"
    assert resp.headers["x-oss-meta-owner"] == "ana"


async def test_missing_key_and_bucket_are_oss_404s(make_client):
    client = await make_client()
    resp = await client.get("/photos/absent.jpg")
    assert resp.status == 404
    err = await error_of(resp)
    assert err["Code"] == "NoSuchKey" and err["Message"] == "The specified key does not exist."
    assert err["HostId"] == resp.request_info.url.host + f":{resp.request_info.url.port}"
    resp = await client.get("/nobucket/a.jpg", headers={})
    # a bucket that is not configured is private, so policy answers before the upstream
    assert resp.status == 403
    client2 = await make_client(buckets={"nobucket": {"anonymous": "read"}})
    resp = await client2.get("/nobucket/a.jpg")
    assert resp.status == 404 and (await error_of(resp))["Code"] == "NoSuchBucket"


async def test_head_error_carries_base64_error_header(make_client):
    import base64

    client = await make_client()
    resp = await client.head("/photos/absent.jpg")
    assert resp.status == 404
    assert b"<Code>NoSuchKey</Code>" in base64.b64decode(resp.headers["x-oss-err"])


async def test_private_bucket_is_refused_to_anonymous_callers(make_client):
    client = await make_client()
    resp = await client.get("/vault/secret.txt")
    assert resp.status == 403
    err = await error_of(resp)
    assert err["Code"] == "AccessDenied" and "sign the request" in err["Message"]
    garbled = await client.get("/vault/secret.txt", headers={"Authorization": "AWS4-HMAC-SHA256 Credential=x"})
    assert garbled.status == 400 and (await error_of(garbled))["Code"] == "InvalidArgument"


async def test_traversal_in_the_url_never_leaves_the_root(make_client, local_root):
    (local_root / "outside.txt").write_text("should never be served")
    client = await make_client()
    for path in ("/photos/..%2Foutside.txt", "/photos/%2E%2E/outside.txt", "/photos/a%00b"):
        resp = await client.get(URL(path, encoded=True))
        assert resp.status in (400, 404), path
        assert b"should never be served" not in await resp.read()


async def test_reserved_paths_anonymous_writes_and_methods_outside_the_api(make_client, local_root):
    client = await make_client()
    assert (await client.get("/_osprey/healthz")).status == 200
    ready = await client.get("/_osprey/readyz")
    assert ready.status == 200 and (await ready.json())["status"] == "ready"
    put = await client.put("/photos/new.txt", data=b"x")
    assert put.status == 403 and (await error_of(put))["Code"] == "AccessDenied"
    assert not (local_root / "photos" / "new.txt").exists()
    listing = await client.get("/photos")
    assert listing.status == 403  # anonymous = "read" opens objects, not the listing
    patch = await client.patch("/photos/red.jpg", data=b"x")
    assert patch.status == 405 and (await error_of(patch))["Code"] == "MethodNotAllowed"


async def test_readyz_is_503_when_the_upstream_is_gone(aiohttp_client, tmp_path):
    from proxy.app import build_app

    client = await aiohttp_client(build_app(local_config(tmp_path / "missing-root")))
    resp = await client.get("/_osprey/readyz")
    assert resp.status == 503 and (await resp.json())["status"] == "unavailable"


async def test_a_one_gib_object_streams_with_flat_memory(make_client, local_root):
    size = 1024 * 1024 * 1024
    with open(local_root / "photos" / "big.bin", "wb") as f:
        f.write(b"HEAD")
        f.truncate(size - 4)  # sparse: costs no disk
        f.seek(size - 4)
        f.write(b"TAIL")
    client = await make_client()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    resp = await client.get("/photos/big.bin")
    assert resp.status == 200 and resp.headers["Content-Length"] == str(size)
    received, head, tail, nonzero = 0, b"", b"", 0
    async for chunk in resp.content.iter_chunked(1 << 20):
        head = head or chunk[:4]
        tail = (tail + chunk)[-4:]
        nonzero += len(chunk) - chunk.count(0)
        received += len(chunk)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert (received, head, tail, nonzero) == (size, b"HEAD", b"TAIL", 8)
    assert grown_mib < 64, f"peak RSS grew by {grown_mib:.0f} MiB while streaming 1 GiB"
