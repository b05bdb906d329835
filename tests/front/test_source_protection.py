"""Source protection: anonymous callers reach protected suffixes only through a style (saveas §6.4)."""

import io

from PIL import Image

from .xml import error_of


async def test_protected_sources_need_a_style_when_anonymous(make_client, local_root):
    client = await make_client(buckets={"photos": {
        "anonymous": "read", "protect_source": ["jpg"], "style_delimiters": "!",
        "styles": {"thumb": "image/resize,m_fixed,w_20,h_10"},
    }})
    for path in ("/photos/red.jpg", "/photos/red.jpg?x-oss-process=image/resize,w_10"):
        resp = await client.get(path)
        assert resp.status == 403, path
        assert "style" in (await error_of(resp))["Message"]
    for path in ("/photos/red.jpg!thumb", "/photos/red.jpg?x-oss-process=style/thumb"):
        resp = await client.get(path)
        assert resp.status == 200, path
        assert Image.open(io.BytesIO(await resp.read())).size == (20, 10)
    assert (await client.get("/photos/notes.txt")).status == 200  # .txt is not protected


async def test_a_star_protects_every_key(make_client):
    client = await make_client(buckets={"photos": {"anonymous": "read", "protect_source": ["*"]}})
    assert (await client.get("/photos/notes.txt")).status == 403
