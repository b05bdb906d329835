"""Decoding and encoding: header-first source limits, supported formats, colour modes, metadata."""

import io
import struct
import zlib

import pytest
from PIL import Image, ImageCms

from proxy.errors import OssError
from proxy.limits import Limits
from proxy.process.image import auto_orient
from proxy.process.image.codec import decode, estimate_jpeg_quality
from proxy.process.image.codec import encode as encode_state
from proxy.process.image.state import ImageState

from .hostile import gps_speed_as_text_exif, gps_speed_as_text_jpeg, looping_tiff

FORMATS = ["jpg", "png", "webp", "gif", "bmp", "tiff", "heic", "avif"]
MEDIA_TYPES = {
    "jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
    "bmp": "image/bmp", "tiff": "image/tiff", "heic": "image/heic", "avif": "image/avif",
}


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG signature and IHDR claiming `width`x`height`, with no pixel data to speak of."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def test_codec_rejects_a_decompression_bomb_from_its_header(fails):
    bomb = png_header_only(100_000, 100_000)
    assert len(bomb) < 100
    error = fails("image/resize,w_100", bomb)
    assert (error.status, error.code, error.ec) == (400, "ImageTooLarge", "0040-00000009")


def test_codec_rejects_too_many_pixels_from_its_header(fails):
    error = fails("image/format,png", png_header_only(20_000, 20_000))
    assert (error.status, error.code, error.ec) == (400, "ImageTooLarge", "0040-00000012")


def test_codec_counts_every_frame_of_an_animation(fails, run, animated_gif):
    pixels = 120 * 80 * 6
    assert run("image/format,gif", animated_gif, Limits(max_pixels=pixels)).media_type == "image/gif"
    error = fails("image/format,gif", animated_gif, Limits(max_pixels=pixels - 1))
    assert (error.code, error.ec) == ("ImageTooLarge", "0040-00000012")
    error = fails("image/format,gif", animated_gif, Limits(max_frames=5))
    assert (error.code, error.ec) == ("ImageTooLarge", "0040-00000012")


@pytest.mark.parametrize("data", [b"", b"hello, not an image", b"\x89PNG\r\n\x1a\n"])
def test_codec_rejects_data_that_is_not_an_image(fails, data):
    error = fails("image/resize,w_10", data)
    assert (error.status, error.code, error.ec) == (400, "BadRequest", "0040-00000005")


def test_codec_rejects_formats_oss_does_not_process(fails):
    icon = io.BytesIO()
    Image.new("RGB", (16, 16)).save(icon, "ICO")
    assert fails("image/resize,w_10", icon.getvalue()).ec == "0040-00000005"


def test_codec_rejects_a_truncated_jpeg(fails, example_jpg):
    error = fails("image/resize,w_10", example_jpg[:3000])
    assert (error.status, error.code, error.ec) == (400, "BadRequest", "0040-00000005")


@pytest.mark.parametrize("fmt", FORMATS)
def test_codec_keeps_the_source_format(run, encode, fmt):
    source = encode(Image.new("RGB", (64, 48), (200, 30, 30)), fmt)
    output = run("image/resize,w_32", source)
    image = Image.open(io.BytesIO(output.body))
    assert output.media_type == MEDIA_TYPES[fmt]
    assert image.size == (32, 24)
    red, green, blue = image.convert("RGB").getpixel((16, 12))
    assert red > 160 and green < 70 and blue < 70


def test_codec_converts_cmyk_jpeg_to_rgb(render, encode):
    out = render("image/resize,w_10", encode(Image.new("CMYK", (20, 20), (0, 255, 255, 0)), "jpg"))
    assert out.mode == "RGB"
    red, green, blue = out.getpixel((5, 5))
    assert red > 200 and green < 60 and blue < 60


def test_codec_scales_16_bit_grey_instead_of_clipping(render, encode):
    deep = Image.new("I;16", (8, 8), 257 * 100)
    out = render("image/format,png", encode(deep, "png"))
    assert (out.mode, out.getpixel((4, 4))) == ("L", 100)


def test_codec_keeps_palette_transparency(render, encode):
    palette = Image.new("P", (8, 8), 0)
    palette.putpalette([255, 0, 0, 0, 0, 255])
    palette.paste(1, (0, 0, 4, 8))
    out = render("image/format,png", encode(palette, "png", transparency=0))
    assert out.mode == "RGBA"
    assert out.getpixel((6, 4))[3] == 0
    assert out.getpixel((1, 4)) == (0, 0, 255, 255)


def test_codec_keeps_exif_orientation_and_icc_profile(render, encode):
    exif = Image.Exif()
    exif[0x0112] = 6
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = encode(Image.new("RGB", (100, 50)), "jpg", exif=exif, icc_profile=icc)
    out = render("image/resize,w_50", source)
    assert out.getexif()[0x0112] == 6
    assert out.info["icc_profile"] == icc


def test_codec_decodes_a_shrinking_jpeg_at_a_reduced_scale(encode):
    source = encode(Image.new("RGB", (2000, 1500), (10, 20, 30)), "jpg")
    state = decode(source, Limits(), lambda size: (100, 75))
    assert state.size == (2000, 1500)
    assert 200 <= state.frames[0].width < 2000


def test_codec_decodes_in_full_without_a_hint(encode):
    state = decode(encode(Image.new("RGB", (400, 300)), "jpg"), Limits(), lambda size: None)
    assert state.frames[0].size == state.size == (400, 300)


@pytest.mark.parametrize("quality", [5, 10, 25, 50, 75, 90, 95, 99, 100])
def test_codec_estimates_jpeg_quality_from_quantisation_tables(encode, quality):
    image = Image.open(io.BytesIO(encode(Image.new("RGB", (16, 16)), "jpg", quality=quality)))
    assert estimate_jpeg_quality(image.quantization) == quality


def test_codec_estimates_the_sdk_sample_quality(example_jpg):
    assert decode(example_jpg, Limits()).source_quality == 82  # its tables are libjpeg's at 82


def test_exif_that_cannot_be_rewritten_is_dropped_not_a_500(render):
    source = gps_speed_as_text_jpeg()
    assert len(source) < 700
    with pytest.raises(TypeError):  # what Pillow does with it: reads the tag, fails writing it back
        Image.open(io.BytesIO(source)).getexif().tobytes()
    assert decode(source, Limits()).exif is None
    for process in ("image/resize,w_4", "image/auto-orient,1/format,png", "image/format,webp"):
        out = render(process, source)
        assert not out.getexif()
        assert out.convert("RGB").getpixel((0, 0))[0] > 150


def test_auto_orient_drops_exif_it_cannot_rewrite():
    state = ImageState(frames=(Image.new("RGB", (4, 2)),), size=(4, 2), source_format="jpg", target_format="jpg",
                       exif=gps_speed_as_text_exif())
    result = auto_orient.apply(state, {"": 1}, Limits())
    assert (result.exif, result.size) == (None, (4, 2))


def truncated_and_flipped(data: bytes) -> list[bytes]:
    """Damaged copies of `data`: cut short at several points, and with bytes overwritten past its header."""
    cuts = [data[:len(data) * k // 8] for k in range(1, 8)]
    flipped = []
    for seed in range(12):
        copy = bytearray(data)
        for n in range(6):
            copy[32 + (seed * 7919 + n * 104729) % (len(data) - 32)] ^= 0x5A
        flipped.append(bytes(copy))
    return cuts + flipped


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_damaged_source_is_a_4xx_or_an_image_never_another_error(encode, fmt):
    second = Image.new("RGB", (40, 30), "blue")
    options = {"save_all": True, "append_images": [second]} if fmt in ("gif", "webp") else {}
    source = encode(Image.effect_noise((40, 30), 50).convert("RGB"), fmt, **options)
    for data in truncated_and_flipped(source):
        try:
            encode_state(decode(data, Limits()))
        except OssError as error:
            assert error.status == 400 and error.code in ("BadRequest", "ImageTooLarge"), error


def test_a_decoder_runtime_error_is_the_corrupt_source_code(monkeypatch, encode):
    source = encode(Image.new("RGB", (8, 8)), "png")

    def broken(self):
        raise RuntimeError("decoder gave up")

    monkeypatch.setattr(Image.Image, "load", broken)
    with pytest.raises(OssError) as info:
        decode(source, Limits())
    assert (info.value.status, info.value.code, info.value.ec) == (400, "BadRequest", "0040-00000005")
    assert "decoder gave up" in info.value.message


def test_a_tiff_whose_page_chain_loops_is_read_as_its_first_page(render, run):
    assert render("image/resize,w_10", looping_tiff()).convert("RGB").getpixel((5, 2))[0] > 200
    assert b'"FrameCount": {"value": "1"}' in run("image/info", looping_tiff()).body
