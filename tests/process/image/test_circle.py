"""image/circle (image §4.9): the square's geometry without pixels, the fill per output format, errors."""

import struct

import pytest
from PIL import Image

from proxy.process.image.circle import circle_box

GREEN = (0, 200, 0)


@pytest.fixture
def green_png(encode) -> bytes:
    return encode(Image.new("RGB", (300, 200), GREEN), "png")


def test_circle_output_is_a_2r_plus_1_square_around_the_centre_unconfirmed():
    assert circle_box((400, 267), 100) == (100, 33, 301, 234)
    assert circle_box((400, 267), 1) == (199, 132, 202, 135)


def test_circle_radius_is_clamped_to_half_the_shorter_side_minus_one():
    assert circle_box((400, 267), 4096) == (67, 0, 334, 267)  # r 133, 267x267
    assert circle_box((400, 268), 4096) == (67, 1, 334, 268)  # r 133 still: (268 - 1) // 2


def test_circle_on_jpg_is_white_outside(render, example_jpg):
    out = render("image/circle,r_100", example_jpg)
    assert (out.format, out.mode, out.size) == ("JPEG", "RGB", (201, 201))
    assert whitish(out.getpixel((3, 3)))
    assert out.getpixel((100, 100)) != (255, 255, 255)


def test_circle_clamped_on_the_sdk_sample(render, example_jpg):
    assert render("image/circle,r_4096", example_jpg).size == (267, 267)


def whitish(pixel: tuple[int, ...]) -> bool:
    """White after JPEG's ringing at a hard edge."""
    return min(pixel) > 235


@pytest.mark.parametrize("fmt", ["png", "webp"])
def test_circle_is_transparent_outside_for_formats_with_alpha(render, green_png, fmt):
    out = render(f"image/circle,r_50/format,{fmt}", green_png)
    assert (out.mode, out.size) == ("RGBA", (101, 101))
    assert out.getpixel((2, 2))[3] == 0
    assert out.getpixel((50, 50))[3] == 255
    assert out.getpixel((50, 1))[3] == 255  # the disc touches the top edge


def test_circle_on_bmp_writes_transparent_alpha(run, green_png):
    # Pillow reads 32-bit BMPs as RGB, so look at the stored BGRA pixels (rows bottom-up).
    body = run("image/circle,r_50/format,bmp", green_png).body
    (offset,) = struct.unpack_from("<I", body, 10)
    width, height, _, bits = struct.unpack_from("<iiHH", body, 18)
    assert (width, height, bits) == (101, 101, 32)

    def alpha(x: int, y: int) -> int:
        return body[offset + ((height - 1 - y) * width + x) * 4 + 3]

    assert (alpha(2, 2), alpha(50, 50)) == (0, 255)


def test_circle_fill_follows_a_later_format(render, encode):
    source = encode(Image.new("RGB", (100, 100), GREEN), "png")
    assert render("image/circle,r_40", source).getpixel((0, 0))[3] == 0
    out = render("image/circle,r_40/format,jpg", source)
    assert out.mode == "RGB"
    assert whitish(out.getpixel((0, 0)))


def test_circle_keeps_grey_images_grey(render, encode):
    out = render("image/circle,r_20", encode(Image.new("L", (60, 60), 90), "png"))
    assert out.mode == "LA"
    assert out.getpixel((20, 20)) == (90, 255)
    assert out.getpixel((0, 0))[1] == 0


def test_circle_animated_gif_is_cut_frame_by_frame_unconfirmed(render, animated_gif, durations):
    out = render("image/circle,r_30", animated_gif)
    assert (out.format, out.size, out.n_frames) == ("GIF", (61, 61), 6)
    assert durations(out) == [40, 50, 60, 70, 80, 90]
    assert out.convert("RGBA").getpixel((0, 0))[3] == 0


@pytest.mark.parametrize(("process", "code"), [
    ("image/circle", "MissingArgument"),
    ("image/circle,r_0", "InvalidArgument"),
    ("image/circle,r_4097", "InvalidArgument"),
    ("image/circle,r_abc", "InvalidArgument"),
])
def test_circle_rejects_bad_radius_without_a_documented_ec(fails, process, code):
    error = fails(process)
    assert (error.status, error.code, error.ec) == (400, code, None)
