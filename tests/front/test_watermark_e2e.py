"""image/watermark through the running server: the watermark image is fetched from the same bucket."""

import io
import shutil
from pathlib import Path

from PIL import Image

from proxy.grammar.params import encode_b64

from .xml import error_of

# The OSS SDKs' 400x267 sample photo, kept in the repository (tests/fixtures/README.md).
EXAMPLE_JPG = Path(__file__).resolve().parents[1] / "fixtures" / "example.jpg"
RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)


def png(size, color) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def decode(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


def mark_url(key: str, **args) -> str:
    extra = "".join(f",{k}_{v}" for k, v in args.items())
    return f"/photos/main.png?x-oss-process=image/watermark,image_{encode_b64(key)}{extra}"


def put(local_root, key: str, data: bytes) -> None:
    path = local_root / "photos" / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


async def test_watermark_image_is_fetched_from_the_same_bucket(make_client, local_root):
    put(local_root, "main.png", png((200, 100), WHITE))
    put(local_root, "logos/mark.png", png((20, 10), RED))
    client = await make_client()
    resp = await client.get(mark_url("logos/mark.png", g="nw", x=5, y=5))
    assert resp.status == 200 and resp.headers["Content-Type"] == "image/png"
    out = decode(await resp.read())
    assert out.getpixel((5, 5)) == RED and out.getpixel((24, 14)) == RED
    assert out.getpixel((4, 4)) == WHITE and out.getpixel((25, 15)) == WHITE


async def test_watermark_image_preprocessing_scales_with_the_main_image(make_client, local_root):
    put(local_root, "main.png", png((200, 100), WHITE))
    put(local_root, "mark.png", png((20, 10), RED))
    client = await make_client()
    resp = await client.get(mark_url("mark.png?x-oss-process=image/resize,P_50", g="nw", x=0, y=0))
    out = decode(await resp.read())
    assert out.getpixel((99, 49)) == RED and out.getpixel((100, 50)) == WHITE


async def test_watermark_etag_changes_when_the_watermark_object_changes(make_client, local_root):
    put(local_root, "main.png", png((200, 100), WHITE))
    put(local_root, "mark.png", png((20, 10), RED))
    client = await make_client()
    first = await client.get(mark_url("mark.png", g="nw", x=0, y=0))
    put(local_root, "mark.png", png((20, 10), BLUE))
    second = await client.get(mark_url("mark.png", g="nw", x=0, y=0))
    assert first.headers["ETag"] != second.headers["ETag"]
    assert decode(await second.read()).getpixel((0, 0)) == BLUE


async def test_watermark_missing_object_is_400_with_ec_25_unconfirmed(make_client, local_root):
    put(local_root, "main.png", png((200, 100), WHITE))
    client = await make_client()
    resp = await client.get(mark_url("absent.png"))
    assert resp.status == 400
    err = await error_of(resp)
    assert (err["Code"], err["EC"]) == ("InvalidArgument", "0040-00000025")
    assert resp.headers["x-oss-ec"] == "0040-00000025"


async def test_watermark_object_that_is_not_an_image_is_ec_27(make_client, local_root):
    put(local_root, "main.png", png((200, 100), WHITE))
    client = await make_client()
    resp = await client.get(mark_url("notes.txt"))
    assert resp.status == 400 and (await error_of(resp))["EC"] == "0040-00000027"


async def test_watermark_more_than_three_images_answer_400_before_any_fetch(make_client):
    client = await make_client()
    marks = "/".join(f"watermark,image_{encode_b64(f'{n}.png')}" for n in range(4))
    # the main key does not exist either: a 400 rather than a 404 proves nothing was fetched
    resp = await client.get(f"/photos/absent.png?x-oss-process=image/{marks}")
    assert resp.status == 400 and (await error_of(resp))["Code"] == "InvalidArgument"


async def test_watermark_sdk_text_vector_through_the_server(make_client, local_root):
    shutil.copy(EXAMPLE_JPG, local_root / "photos" / "example.jpg")
    client = await make_client()
    resp = await client.get("/photos/example.jpg?x-oss-process=image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ")
    assert resp.status == 200 and resp.headers["Content-Type"] == "image/jpeg"
    out = decode(await resp.read())
    assert (out.format, out.size) == ("JPEG", (400, 267))
    dark = out.crop((200, 230, 390, 257)).convert("L").getextrema()[0]
    assert dark < 40  # black text drawn in the bottom-right corner over green grass
