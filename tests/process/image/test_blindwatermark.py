"""image/blindwatermark: invisible text that survives JPEG q70 and a half-size resize; its refusals."""

import io
import json

import pytest
from PIL import Image

from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS
from proxy.grammar.params import encode_b64
from proxy.limits import Limits
from proxy.process.image.codec import estimate_jpeg_quality
from tests.imaging import psnr

from .conftest import EXAMPLE_JPG

TEXT = "© Osprey 2024 — 版权所有"
MARK = f"image/blindwatermark,content_{encode_b64(TEXT)}"


def decoded(run, data: bytes) -> str:
    return json.loads(run("image/blindwatermark-decode", data).body)["Content"]


def attacked(data: bytes, scale: float, resample: Image.Resampling, quality: int) -> bytes:
    """What a re-publisher does: resize, then save as JPEG."""
    image = Image.open(io.BytesIO(data))
    out = io.BytesIO()
    image.resize((round(image.width * scale), round(image.height * scale)), resample).save(out, "JPEG", quality=quality)
    return out.getvalue()


@pytest.fixture(scope="module")
def photo() -> bytes:
    """The SDK sample scaled to 1000x667, a JPEG at quality 95."""
    out = io.BytesIO()
    Image.open(EXAMPLE_JPG).resize((1000, 667), Image.Resampling.BICUBIC).save(out, "JPEG", quality=95)
    return out.getvalue()


@pytest.mark.parametrize("strength", ["low", "medium", "high"])
@pytest.mark.parametrize("resample", [Image.Resampling.BILINEAR, Image.Resampling.LANCZOS])
def test_blindwatermark_survives_jpeg_q70_at_half_size(run, photo, strength, resample):
    marked = run(f"{MARK},s_{strength}", photo).body
    assert decoded(run, attacked(marked, 0.5, resample, 70)) == TEXT


def test_blindwatermark_survives_oss_own_resize_and_quality(run, photo):
    marked = run(MARK, photo).body
    assert decoded(run, run("image/resize,p_50/quality,Q_70", marked).body) == TEXT


def test_blindwatermark_survives_in_a_small_image(run, example_jpg):
    marked = run(f"image/blindwatermark,content_{encode_b64('id-7f3a')}", example_jpg).body  # 400x267
    assert decoded(run, attacked(marked, 0.5, Image.Resampling.BICUBIC, 70)) == "id-7f3a"


def test_blindwatermark_is_invisible_at_low_strength(run, photo):
    marked = {strength: run(f"{MARK},s_{strength}", photo).body for strength in ("low", "medium", "high")}
    quality = {strength: psnr(photo, body) for strength, body in marked.items()}
    assert quality["low"] > 35
    assert quality["low"] > quality["medium"] > quality["high"] > 30


def test_blindwatermark_writes_jpeg_at_q_whatever_the_source_quality(run, photo, render):
    image = render(f"{MARK},q_75", photo)
    assert (image.format, image.size, estimate_jpeg_quality(image.quantization)) == ("JPEG", (1000, 667), 75)
    assert estimate_jpeg_quality(render(MARK, photo).quantization) == 90


def test_blindwatermark_keeps_png_and_its_alpha(run, encode):
    source = Image.open(EXAMPLE_JPG).convert("RGBA")
    source.putalpha(Image.linear_gradient("L").resize(source.size))
    output = run(MARK, encode(source, "png"))
    image = Image.open(io.BytesIO(output.body))
    assert (output.media_type, image.mode) == ("image/png", "RGBA")
    assert image.getchannel("A").tobytes() == source.getchannel("A").tobytes()


def test_blindwatermark_marks_grey_images(run, encode):
    grey = encode(Image.open(EXAMPLE_JPG).convert("L"), "jpg", quality=95)
    marked = run(MARK, grey).body
    assert Image.open(io.BytesIO(marked)).mode == "L"
    assert decoded(run, attacked(marked, 0.5, Image.Resampling.BICUBIC, 70)) == TEXT


def test_blindwatermark_is_deterministic(run, photo):
    assert run(MARK, photo).body == run(MARK, photo).body


def test_blindwatermark_refuses_images_under_200_px(fails, encode):
    error = fails(MARK, encode(Image.open(EXAMPLE_JPG).crop((0, 0, 400, 199)), "png"))
    assert (error.status, error.code) == (400, "BadRequest")
    assert "at least 200 x 200" in error.message and "400 x 199" in error.message


def test_blindwatermark_obeys_the_output_pixel_limit_before_any_work_unconfirmed(fails, encode):
    error = fails(MARK, encode(Image.open(EXAMPLE_JPG), "png"), Limits(max_output_pixels=100_000))  # it is 400 x 267
    assert (error.status, error.code) == (400, "ImageTooLarge")
    assert "at most 100000 px" in error.message


def test_blindwatermark_refuses_text_the_image_cannot_hold(fails, encode):
    error = fails(f"image/blindwatermark,content_{encode_b64('x' * 100)}", encode(Image.open(EXAMPLE_JPG), "png"))
    assert (error.status, error.code) == (400, "InvalidArgument")
    assert "holds at most 38" in error.message


@pytest.mark.parametrize("colour", ["white", "black", (90, 120, 150)])
def test_blindwatermark_refuses_a_flat_image_where_the_mark_would_show(fails, encode, colour):
    error = fails(MARK, encode(Image.new("RGB", (600, 400), colour), "png"))
    assert (error.status, error.code) == (400, "BadRequest")
    assert "flat image" in error.message


def test_blindwatermark_refuses_a_mark_that_would_not_survive_half_size(run, fails, encode):
    small = encode(Image.open(EXAMPLE_JPG).resize((200, 200)), "png")  # a half-size copy is 100 px
    mark = f"image/blindwatermark,content_{encode_b64('id-7f3a')}"
    error = fails(f"{mark},s_low", small)
    assert (error.status, error.code) == (400, "BadRequest")
    assert "use a higher s_" in error.message
    assert decoded(run, attacked(run(f"{mark},s_high", small).body, 0.5, Image.Resampling.BILINEAR, 70)) == "id-7f3a"


@pytest.mark.parametrize(
    ("process", "code"),
    [
        ("image/blindwatermark", "MissingArgument"),
        ("image/blindwatermark,s_high", "MissingArgument"),
        ("image/blindwatermark,content_", "InvalidArgument"),
        ("image/blindwatermark,content_@@", "InvalidArgument"),
        (f"image/blindwatermark,content_{encode_b64('x' * 257)}", "InvalidArgument"),
        (f"{MARK},s_max", "InvalidArgument"),
        (f"{MARK},q_69", "InvalidArgument"),
        (f"{MARK},q_101", "InvalidArgument"),
    ],
)
def test_blindwatermark_parameter_errors(fails, process, code):
    error = fails(process)
    assert (error.status, error.code, error.ec) == (400, code, None)


def test_blindwatermark_canonical_form_drops_defaults_and_normalises_base64():
    padded = encode_b64(TEXT).replace("-", "+").replace("_", "/") + "=" * (-len(encode_b64(TEXT)) % 4)
    chain = parse_process(f"image/blindwatermark,q_90,s_low,content_{padded}", OSS)
    assert chain.canonical() == MARK


def test_blindwatermark_is_signed_only():
    assert OSS.get("image", "blindwatermark").signed_only
