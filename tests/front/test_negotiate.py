"""auto_format: the best format the client accepts, keyed and varied on Accept."""

import io

import pytest
from PIL import Image

from proxy.front.negotiate import negotiable, negotiate, pick_format
from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS

URL = "/photos/red.jpg?x-oss-process=image/resize,w_100"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("image/avif,image/webp,*/*;q=0.8", "avif"),
        ("image/webp,*/*", "webp"),
        ("image/avif;q=0,image/webp", "webp"),
        ("text/html,*/*;q=0.8", None),
        ("", None),
    ],
)
def test_pick_format_follows_operator_order_and_q_zero(accept, expected):
    assert pick_format(accept, ("avif", "webp")) == expected


def test_only_image_chains_without_format_are_negotiable():
    formats = ("webp",)
    assert negotiable(parse_process("image/resize,w_1", OSS), formats)
    assert not negotiable(parse_process("image/resize,w_1/format,png", OSS), formats)
    assert not negotiable(parse_process("image/info", OSS), formats)
    assert not negotiable(parse_process("image/resize,w_1", OSS), ())
    chain = negotiate(parse_process("image/resize,w_1", OSS), "image/webp", formats)
    assert chain.canonical() == "image/resize,w_1/format,webp"


async def test_auto_format_serves_webp_to_browsers_that_accept_it(make_client):
    client = await make_client(buckets={"photos": {"anonymous": "read", "auto_format": ["avif", "webp"]}})
    webp = await client.get(URL, headers={"Accept": "image/webp,*/*"})
    assert webp.headers["Content-Type"] == "image/webp" and webp.headers["Vary"] == "Accept"
    assert Image.open(io.BytesIO(await webp.read())).format == "WEBP"
    avif = await client.get(URL, headers={"Accept": "image/avif,image/webp"})
    assert avif.headers["Content-Type"] == "image/avif"
    plain = await client.get(URL, headers={"Accept": "*/*"})
    assert plain.headers["Content-Type"] == "image/jpeg" and plain.headers["Vary"] == "Accept"
    assert len({webp.headers["ETag"], avif.headers["ETag"], plain.headers["ETag"]}) == 3
    explicit = await client.get(URL + "/format,png", headers={"Accept": "image/webp"})
    assert explicit.headers["Content-Type"] == "image/png" and "Vary" not in explicit.headers
    revalidated = await client.get(URL, headers={"Accept": "image/webp", "If-None-Match": webp.headers["ETag"]})
    assert revalidated.status == 304 and revalidated.headers["Vary"] == "Accept"
    other = await client.get(URL, headers={"Accept": "*/*", "If-None-Match": webp.headers["ETag"]})
    assert other.status == 200 and other.headers["Content-Type"] == "image/jpeg"  # another variant's ETag


async def test_without_auto_format_there_is_no_vary(make_client):
    client = await make_client()
    resp = await client.get(URL, headers={"Accept": "image/webp"})
    assert resp.headers["Content-Type"] == "image/jpeg" and "Vary" not in resp.headers
