"""GET/HEAD with x-oss-process through the running server, decoded and checked."""

import io

from PIL import Image

from proxy.front.services import SERVICES

from .xml import error_of


def decode(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


async def test_resize_returns_a_decoded_image_of_the_right_size(make_client):
    client = await make_client()
    resp = await client.get("/photos/red.jpg?x-oss-process=image/resize,w_100")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "image/jpeg"
    image = decode(await resp.read())
    assert (image.format, image.size) == ("JPEG", (100, 50))
    r, g, b = image.getpixel((50, 25))
    assert r > 180 and g < 70 and b < 70


async def test_percent_encoded_process_string_as_sdks_send_it(make_client):
    client = await make_client()
    resp = await client.get("/photos/red.jpg?x-oss-process=image%2Fresize%2Cm_fixed%2Cw_30%2Ch_30")
    assert resp.status == 200 and decode(await resp.read()).size == (30, 30)


async def test_resize_then_webp_sets_the_webp_content_type(make_client):
    client = await make_client()
    resp = await client.get("/photos/red.jpg?x-oss-process=image/resize,w_200/format,webp")
    assert resp.headers["Content-Type"] == "image/webp"
    image = decode(await resp.read())
    assert (image.format, image.size) == ("WEBP", (200, 100))


async def test_absolute_quality_shrinks_the_jpeg(make_client, local_root):
    noisy = Image.effect_noise((200, 100), 60).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, "JPEG", quality=95)
    (local_root / "photos" / "noisy.jpg").write_bytes(out.getvalue())
    client = await make_client()
    high = await (await client.get("/photos/noisy.jpg?x-oss-process=image/quality,Q_90")).read()
    low = await (await client.get("/photos/noisy.jpg?x-oss-process=image/quality,Q_20")).read()
    assert len(low) < len(high) * 0.6
    assert decode(low).size == (200, 100)


async def test_grammar_errors_answer_400_before_any_fetch(make_client):
    client = await make_client()
    # the key does not exist: a 400 rather than a 404 proves nothing was fetched
    resp = await client.get("/photos/absent.jpg?x-oss-process=image/resize,w_0")
    assert resp.status == 400
    err = await error_of(resp)
    assert (err["Code"], err["EC"]) == ("InvalidArgument", "0040-00000312")
    assert resp.headers["x-oss-ec"] == "0040-00000312"
    unknown = await client.get("/photos/absent.jpg?x-oss-process=image/slim,1")
    assert unknown.status == 400 and (await error_of(unknown))["EC"] == "0040-00000213"
    empty = await client.get("/photos/absent.jpg?x-oss-process=")
    assert empty.status == 400
    saveas = await client.get("/photos/red.jpg?x-oss-process=image/resize,w_1|sys/saveas,o_eA")
    assert saveas.status == 400


async def test_processing_a_missing_key_is_no_such_key(make_client):
    client = await make_client()
    resp = await client.get("/photos/absent.jpg?x-oss-process=image/resize,w_10")
    assert resp.status == 404 and (await error_of(resp))["Code"] == "NoSuchKey"


async def test_a_non_image_source_is_a_400_not_a_500(make_client):
    client = await make_client()
    resp = await client.get("/photos/notes.txt?x-oss-process=image/resize,w_10")
    assert resp.status == 400
    assert (await error_of(resp))["EC"] == "0040-00000005"


async def test_source_larger_than_the_limit_is_refused(make_client):
    client = await make_client(limits={"max_source_bytes": 100})
    resp = await client.get("/photos/red.jpg?x-oss-process=image/resize,w_10")
    assert resp.status == 400
    err = await error_of(resp)
    assert err["Code"] == "ImageTooLarge" and "max_source_bytes" in err["Message"]


async def test_differently_cased_process_key_returns_the_untouched_object(make_client, local_root):
    client = await make_client()
    resp = await client.get("/photos/red.jpg?X-Oss-Process=image/resize,w_10")
    assert resp.status == 200
    assert await resp.read() == (local_root / "photos" / "red.jpg").read_bytes()


async def test_styles_by_query_and_by_delimiter(make_client):
    client = await make_client()
    by_query = await client.get("/photos/red.jpg?x-oss-process=style/thumb")
    assert by_query.status == 200 and decode(await by_query.read()).size == (20, 10)
    by_delimiter = await client.get("/photos/red.jpg!thumb")
    assert by_delimiter.status == 200 and decode(await by_delimiter.read()).size == (20, 10)
    assert by_query.headers["ETag"] == by_delimiter.headers["ETag"]
    missing = await client.get("/photos/red.jpg?x-oss-process=style/nope")
    assert missing.status == 404 and (await error_of(missing))["Code"] == "NoSuchStyle"
    nested = await client.get("/photos/red.jpg?x-oss-process=style/loop")
    assert nested.status == 400


async def test_processed_etag_follows_chain_and_source_and_answers_304(make_client, local_root):
    client = await make_client()
    plain = await client.get("/photos/red.jpg")
    a = await client.get("/photos/red.jpg?x-oss-process=image/resize,w_100")
    a_again = await client.get("/photos/red.jpg?x-oss-process=image/resize,m_lfit,w_100")
    b = await client.get("/photos/red.jpg?x-oss-process=image/resize,w_50")
    assert a.headers["ETag"] == a_again.headers["ETag"]
    assert len({plain.headers["ETag"], a.headers["ETag"], b.headers["ETag"]}) == 3
    assert a.headers["Cache-Control"] == "public, max-age=86400"
    assert a.headers["Last-Modified"] == plain.headers["Last-Modified"]
    cached = await client.get(
        "/photos/red.jpg?x-oss-process=image/resize,w_100", headers={"If-None-Match": a.headers["ETag"]}
    )
    assert cached.status == 304 and cached.headers["ETag"] == a.headers["ETag"]
    assert cached.headers["Cache-Control"] == a.headers["Cache-Control"]  # what the 200 had (RFC 9110 §15.4.5)
    assert cached.headers["Last-Modified"] == a.headers["Last-Modified"]
    await client.app[SERVICES].upstream.put("photos", "red.jpg", (local_root / "photos" / "red.jpg").read_bytes()[:-2]
                                            + b"\xff\xd9", "image/jpeg")
    after = await client.get("/photos/red.jpg?x-oss-process=image/resize,w_100")
    assert after.headers["ETag"] != a.headers["ETag"]


async def test_head_with_process_has_the_length_of_the_get(make_client):
    client = await make_client()
    get = await client.get("/photos/red.jpg?x-oss-process=image/resize,w_64/format,png")
    head = await client.head("/photos/red.jpg?x-oss-process=image/resize,w_64/format,png")
    assert head.status == 200 and await head.read() == b""
    assert head.headers["Content-Length"] == str(len(await get.read()))
    assert head.headers["Content-Type"] == "image/png"


async def test_an_upstream_that_is_down_gives_a_clear_503(aiohttp_client, unused_tcp_port):
    from proxy.app import build_app
    from proxy.config import parse_config

    config = parse_config({
        "upstream": {"type": "s3", "endpoint": f"http://127.0.0.1:{unused_tcp_port}",
                     "access_key_id": "k", "secret_access_key": "s", "connect_timeout_s": 1, "read_timeout_s": 2},
        "buckets": {"photos": {"anonymous": "read"}},
    }, environ={})
    client = await aiohttp_client(build_app(config))
    for path in ("/photos/a.jpg", "/photos/a.jpg?x-oss-process=image/resize,w_1"):
        resp = await client.get(path)
        assert resp.status == 503
        assert "unavailable" in (await error_of(resp))["Message"]
    assert (await client.get("/_osprey/readyz")).status == 503

