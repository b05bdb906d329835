"""Hostile images sent anonymously to a running server: each is a clear 400 in OSS XML, decided before the
expensive part, and the server answers a normal request straight afterwards (issue 13)."""

import io

import oss2
import pytest
from PIL import Image

from ..process.doc.hostile import count_lies_pdf
from ..process.image.hostile import big_canvas_webp, dotted_gif, gps_speed_as_text_jpeg, repeated_scan_jpeg
from .test_doc_e2e import colour_pdf, get
from .xml import error_of


async def still_serves(client) -> None:
    resp = await client.get("/photos/red.jpg?x-oss-process=image/resize,w_100")
    assert resp.status == 200
    assert Image.open(io.BytesIO(await resp.read())).size == (100, 50)


@pytest.mark.parametrize(("name", "data", "limits", "limit"), [
    ("scans.jpg", repeated_scan_jpeg(300), {}, "limits.max_jpeg_scans"),
    ("forged.jpg", repeated_scan_jpeg(3000, size=(16, 16), claimed=(15000, 15000)), {}, "limits.max_jpeg_scans"),
    # 25 kB, 1000 frames of 500x500 held as palette frames: 252 MB, over a 200 MiB budget
    ("frames.gif", dotted_gif(1000, 500), {"max_decoded_bytes": 200 << 20}, "limits.max_decoded_bytes"),
    ("canvas.webp", big_canvas_webp(3, (8000, 8000)), {}, "limits.max_decoded_bytes"),
])
async def test_a_source_that_costs_far_more_than_its_bytes_is_refused(
    make_client, local_root, name, data, limits, limit,
):
    (local_root / "photos" / name).write_bytes(data)
    client = await make_client(limits={"workers": 1, **limits})
    resp = await client.get(f"/photos/{name}?x-oss-process=image/resize,w_100")
    assert resp.status == 400
    err = await error_of(resp)
    assert (err["Code"], err["EC"]) == ("ImageTooLarge", "0040-00000012")
    assert limit in err["Message"]
    await still_serves(client)


async def test_a_thousand_frame_gif_within_the_budget_is_served_animated(make_client, local_root):
    (local_root / "photos" / "dots.gif").write_bytes(dotted_gif(1000, 100))
    client = await make_client()
    resp = await client.get("/photos/dots.gif?x-oss-process=image/crop,w_100,h_10")
    assert resp.status == 200
    image = Image.open(io.BytesIO(await resp.read()))
    assert (image.format, image.size, image.n_frames) == ("GIF", (100, 10), 1000)
    image.seek(999)
    assert image.convert("RGB").getpixel((99, 9)) == (255, 255, 255)  # the last frame's dot, at (99, 9)
    await still_serves(client)


async def test_exif_that_cannot_be_rewritten_is_dropped_and_the_image_served(make_client, local_root):
    (local_root / "photos" / "gps.jpg").write_bytes(gps_speed_as_text_jpeg())
    client = await make_client()
    resp = await client.get("/photos/gps.jpg?x-oss-process=image/resize,w_4/format,png")
    assert resp.status == 200
    image = Image.open(io.BytesIO(await resp.read()))
    assert (image.format, image.size) == ("PNG", (4, 4)) and not image.getexif()
    assert image.convert("RGB").getpixel((2, 2))[0] > 150
    await still_serves(client)


async def test_an_avif_libavif_cannot_find_the_image_of_is_a_400_not_a_500(make_client, local_root):
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(out, "AVIF")
    damaged = bytearray(out.getvalue())
    damaged[80] ^= 0x5A  # inside the meta box: Pillow's AVIF plugin raises RuntimeError
    with pytest.raises(RuntimeError):
        Image.open(io.BytesIO(bytes(damaged))).load()
    (local_root / "photos" / "damaged.avif").write_bytes(bytes(damaged))
    client = await make_client()
    resp = await client.get("/photos/damaged.avif?x-oss-process=image/resize,w_10")
    assert resp.status == 400
    err = await error_of(resp)
    assert (err["Code"], err["EC"]) == ("BadRequest", "0040-00000005")  # Image.open gives up: not an image it reads
    await still_serves(client)


async def test_a_pdf_whose_page_tree_lies_is_a_400_and_the_next_document_renders(make_client, local_root):
    (local_root / "vault" / "tree.pdf").write_bytes(count_lies_pdf())
    (local_root / "vault" / "report.pdf").write_bytes(colour_pdf())
    client = await make_client()
    with pytest.raises(oss2.exceptions.ServerError) as info:
        await get(client, "tree.pdf", "doc/snapshot,page_1")
    assert (info.value.status, info.value.code) == (400, "BadRequest")
    assert "damaged" in info.value.message
    body, media_type = await get(client, "report.pdf", "doc/snapshot,page_2")
    assert media_type == "image/jpeg" and Image.open(io.BytesIO(body)).size == (417, 625)
    await still_serves(client)
