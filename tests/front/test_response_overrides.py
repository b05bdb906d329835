"""`response-*` overrides are for signed reads only (S3's rule), on every read path; and no response may be
MIME-sniffed into something else (`X-Content-Type-Options: nosniff` everywhere)."""

import base64
import io
import xml.etree.ElementTree as ET

import oss2
import pytest
from PIL import Image

from proxy.app import METRICS_PATH
from proxy.auth import Identity
from proxy.errors import OssError
from proxy.front.objects import refuse_unsigned_overrides
from proxy.front.observe import metrics_app
from proxy.front.services import SERVICES
from proxy.metrics import Metrics

from .clients import in_thread, oss_bucket, s3_client
from .conftest import CLIENT_KEY, CLIENT_SECRET
from .xml import error_of

EVIL = "response-content-type=text/html&response-cache-control=public,max-age=31536000"


def _gif(local_root) -> None:
    Image.new("RGB", (8, 8), (0, 200, 0)).save(local_root / "photos" / "evil.gif", "GIF")


async def test_an_anonymous_get_naming_response_headers_is_refused_and_never_remembered(make_client, local_root):
    _gif(local_root)
    client = await make_client()
    for _ in range(2):  # the second time too: the refusal is not a memo that could turn into a Read
        resp = await client.get(f"/photos/evil.gif?{EVIL}")
        assert resp.status == 400
        assert resp.headers["Content-Type"] == "application/xml" and "Cache-Control" not in resp.headers
        err = await error_of(resp)
        assert err["Code"] == "InvalidRequest" and "anonymous" in err["Message"]
    assert not client.server.app[SERVICES].anonymous_reads
    plain = await client.get("/photos/evil.gif")  # the object itself is still served, as it is stored
    assert plain.status == 200 and plain.headers["Content-Type"] == "image/gif"
    assert (await client.get(f"/photos/evil.gif?{EVIL}")).status == 400  # after a remembered plain read too


async def test_an_anonymous_head_naming_response_headers_is_refused_without_a_body(make_client, local_root):
    _gif(local_root)
    client = await make_client()
    resp = await client.head("/photos/evil.gif?response-content-type=text/html")
    assert resp.status == 400 and await resp.read() == b""
    err = ET.fromstring(base64.b64decode(resp.headers["x-oss-err"]))
    assert err.findtext("Code") == "InvalidRequest"


async def test_every_anonymous_read_path_refuses_them_in_any_spelling(make_client, local_root):
    _gif(local_root)
    client = await make_client()
    for path in (
        f"/photos/evil.gif?x-oss-process=image/resize,w_4&{EVIL}",  # processed
        "/photos/evil.gif!thumb?response-content-type=text/html",  # a delimiter style
        "/photos/evil.gif?Response-Content-Type=text/html",  # another spelling
        "/photos/evil.gif?versionId=null&response-content-disposition=inline",  # the pass-through read
    ):
        resp = await client.get(path)
        assert resp.status == 400, path
        assert (await error_of(resp))["Code"] == "InvalidRequest", path


async def test_a_presigned_get_still_gets_the_headers_it_names(make_client, local_root):
    client = await make_client()
    url = s3_client(client.make_url("/")).generate_presigned_url("get_object", Params={
        "Bucket": "vault", "Key": "secret.txt", "ResponseContentType": "application/x-download",
        "ResponseContentDisposition": 'attachment; filename="s.txt"', "ResponseCacheControl": "no-store",
    })
    resp = await client.get(url.removeprefix(str(client.make_url(""))))
    assert resp.status == 200 and await resp.read() == b"top secret"
    assert resp.headers["Content-Type"] == "application/x-download"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="s.txt"'
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


async def test_a_signed_processed_read_gets_the_headers_it_names_and_its_rendition(make_client):
    client = await make_client()
    bucket = oss_bucket(client.make_url(""), oss2.Auth(CLIENT_KEY, CLIENT_SECRET), "photos")
    url = bucket.sign_url("GET", "red.jpg", 60, params={
        "x-oss-process": "image/resize,w_50/format,png", "response-content-disposition": "attachment",
        "response-cache-control": "private, max-age=60",
    })
    resp = await client.get(url.removeprefix(str(client.make_url(""))))
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Disposition"] == "attachment"
    assert resp.headers["Cache-Control"] == "private, max-age=60"
    assert resp.headers["Content-Type"] == "image/png" and resp.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(await resp.read())).size == (50, 25)


async def test_nosniff_on_answers_errors_304s_reserved_pages_and_pass_through(make_client, local_root):
    client = await make_client()
    ok = await client.get("/photos/red.jpg")
    processed = await client.get("/photos/red.jpg?x-oss-process=image/resize,w_10")
    answers = [
        ok,
        processed,
        await client.get("/photos/red.jpg", headers={"If-None-Match": ok.headers["ETag"]}),
        await client.get("/photos/red.jpg?x-oss-process=image/resize,w_10",
                         headers={"If-None-Match": processed.headers["ETag"]}),
        await client.get("/photos/missing.jpg"),
        await client.head("/photos/missing.jpg"),
        await client.get("/_osprey/healthz"),
        await client.post("/_osprey/healthz"),
        await client.request("PATCH", "/photos/red.jpg"),
    ]
    assert [r.status for r in answers] == [200, 200, 304, 304, 404, 404, 200, 405, 405]
    for resp in answers:
        assert resp.headers["X-Content-Type-Options"] == "nosniff", resp.status
    put = await in_thread(s3_client(client.make_url("/")).put_object, Bucket="vault", Key="up.txt", Body=b"x")
    headers = put["ResponseMetadata"]["HTTPHeaders"]
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200 and headers["x-content-type-options"] == "nosniff"
    assert (local_root / "vault" / "up.txt").read_bytes() == b"x"


async def test_nosniff_on_the_metrics_port_too(aiohttp_client):
    client = await aiohttp_client(metrics_app(Metrics(), METRICS_PATH))
    page, missing = await client.get(METRICS_PATH), await client.get("/elsewhere")
    assert (page.status, missing.status) == (200, 404)
    assert page.headers["X-Content-Type-Options"] == missing.headers["X-Content-Type-Options"] == "nosniff"


def test_a_response_header_a_signature_leaves_out_is_refused_like_an_anonymous_one():
    query = {"response-content-type": "text/html", "x-oss-process": "image/resize,w_4"}
    covered = Identity(CLIENT_KEY, "oss-v1", presigned=True)
    refuse_unsigned_overrides(query, covered)  # signed: honoured
    uncovered = Identity(CLIENT_KEY, "oss-v1", presigned=True, unsigned_query=frozenset({"response-content-type"}))
    with pytest.raises(OssError) as info:
        refuse_unsigned_overrides(query, uncovered)
    assert (info.value.status, info.value.code) == (400, "InvalidRequest")
    assert "response-content-type" in info.value.message
