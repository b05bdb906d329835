"""image/format (image §4.5): output format, media type, alpha on white for JPG, animations."""

import io

import pytest
from PIL import Image

from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS

TARGETS = {
    "jpg": ("JPEG", "image/jpeg"), "png": ("PNG", "image/png"), "webp": ("WEBP", "image/webp"),
    "bmp": ("BMP", "image/bmp"), "tiff": ("TIFF", "image/tiff"), "heic": ("HEIF", "image/heic"),
    "avif": ("AVIF", "image/avif"),
}


@pytest.mark.parametrize("fmt", sorted(TARGETS))
def test_format_converts_and_sets_the_media_type(run, example_jpg, fmt):
    output = run(f"image/format,{fmt}", example_jpg)
    image = Image.open(io.BytesIO(output.body))
    assert (image.format, output.media_type) == TARGETS[fmt]
    assert image.size == (400, 267)


def test_format_without_action_keeps_the_source_format(run, encode):
    assert run("image/resize,w_10", encode(Image.new("RGB", (20, 20)), "png")).media_type == "image/png"


def test_format_jpg_puts_transparency_on_white(render, encode):
    source = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    source.paste((0, 0, 255, 255), (32, 0, 64, 64))
    out = render("image/format,jpg", encode(source, "png"))
    assert (out.format, out.mode) == ("JPEG", "RGB")
    assert all(channel > 250 for channel in out.getpixel((8, 32)))
    red, green, blue = out.getpixel((56, 32))
    assert red < 10 and green < 10 and blue > 245


def test_format_jpg_puts_grey_transparency_on_white(render, encode):
    out = render("image/format,jpg", encode(Image.new("LA", (16, 16), (0, 0)), "png"))
    assert (out.mode, out.getpixel((8, 8))) == ("L", 255)


def test_format_gif_only_applies_to_a_gif_source(run, example_jpg):
    assert run("image/format,gif", example_jpg).media_type == "image/jpeg"


def test_format_accepts_jpeg_and_any_case(run, encode):
    source = encode(Image.new("RGB", (8, 8)), "png")
    assert parse_process("image/format,jpeg", OSS).canonical() == "image/format,jpg"
    assert run("image/format,JPEG", source).media_type == "image/jpeg"
    assert run("image/format,Png", source).media_type == "image/png"


def test_format_animated_gif_to_webp_keeps_the_animation_unconfirmed(render, animated_gif, durations):
    out = render("image/format,webp", animated_gif)
    assert (out.format, out.n_frames, out.size) == ("WEBP", 6, (120, 80))
    assert durations(out) == [40, 50, 60, 70, 80, 90]


def test_format_animated_gif_to_png_keeps_the_first_frame(render, animated_gif):
    out = render("image/format,png", animated_gif)
    assert (out.format, getattr(out, "n_frames", 1)) == ("PNG", 1)
    assert out.convert("RGB").getpixel((10, 10)) == (0, 255, 60)


def test_format_webp_over_16383_px_is_too_large(fails, encode):
    wide = encode(Image.new("L", (16_384, 1)), "png")
    error = fails("image/format,webp", wide)
    assert (error.status, error.code, error.ec) == (400, "ImageTooLarge", "0040-00000011")


@pytest.mark.parametrize(("process", "code", "ec"), [
    ("image/format,dng", "InvalidArgument", "0040-00000206"),
    ("image/format", "MissingArgument", "0040-00000206"),
    ("image/format,png,jpg", "BadRequest", "0040-00000203"),
])
def test_format_rejects_bad_values(fails, process, code, ec):
    error = fails(process)
    assert (error.status, error.code, error.ec) == (400, code, ec)


def test_format_jpg_refuses_an_heic_with_alpha(fails, run, encode):
    translucent = encode(Image.new("RGBA", (32, 32), (200, 30, 30, 128)), "heic")
    error = fails("image/format,jpg", translucent)
    assert (error.status, error.code) == (400, "BadRequest") and "alpha channel" in error.message
    assert Image.open(io.BytesIO(run("image/format,png", translucent).body)).mode == "RGBA"
    opaque = encode(Image.new("RGB", (32, 32), (200, 30, 30)), "heic")
    assert run("image/format,jpg", opaque).media_type == "image/jpeg"
