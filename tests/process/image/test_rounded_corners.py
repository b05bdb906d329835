"""image/rounded-corners (image §4.10): size kept, corners cut per output format, GIF refused, errors."""

import pytest
from PIL import Image

from proxy.process.image.rounded_corners import corner_radius
from tests.process.image.test_circle import whitish

BLUE = (0, 0, 220)


@pytest.fixture
def blue_png(encode) -> bytes:
    return encode(Image.new("RGB", (100, 60), BLUE), "png")


def test_rounded_corners_radius_is_clamped_to_half_the_shortest_edge():
    assert corner_radius((100, 60), 10) == 10
    assert corner_radius((100, 60), 4096) == 30
    assert corner_radius((100, 61), 4096) == 30.5


def test_rounded_corners_keeps_the_size_and_cuts_the_corners(render, blue_png):
    out = render("image/rounded-corners,r_20", blue_png)
    assert (out.format, out.mode, out.size) == ("PNG", "RGBA", (100, 60))
    for corner in ((0, 0), (99, 0), (0, 59), (99, 59), (3, 3)):
        assert out.getpixel(corner)[3] == 0
    for inside in ((50, 0), (0, 30), (20, 20), (10, 10), (89, 49)):
        assert out.getpixel(inside) == (*BLUE, 255)


def test_rounded_corners_on_jpg_are_white(render, example_jpg):
    out = render("image/rounded-corners,r_30", example_jpg)
    assert (out.format, out.mode, out.size) == ("JPEG", "RGB", (400, 267))
    assert whitish(out.getpixel((1, 1)))
    assert whitish(out.getpixel((398, 265)))


def test_rounded_corners_fill_follows_a_later_format(render, blue_png):
    out = render("image/rounded-corners,r_20/format,jpg", blue_png)
    assert out.mode == "RGB"
    assert whitish(out.getpixel((0, 0)))
    assert out.getpixel((50, 30))[2] > 200


def test_rounded_corners_large_radius_makes_a_stadium(render, blue_png):
    out = render("image/rounded-corners,r_4096", blue_png)
    assert out.size == (100, 60)
    assert out.getpixel((5, 5))[3] == 0
    assert out.getpixel((50, 0))[3] == 255
    assert out.getpixel((0, 30))[3] > 0


def test_rounded_corners_docs_example_crop_then_round_as_png(render, example_jpg):
    out = render("image/crop,w_100,h_100/rounded-corners,r_10/format,png", example_jpg)
    assert (out.format, out.mode, out.size) == ("PNG", "RGBA", (100, 100))
    assert out.getpixel((0, 0))[3] == 0
    assert out.getpixel((50, 50))[3] == 255


def test_rounded_corners_on_webp_is_transparent(render, blue_png):
    out = render("image/rounded-corners,r_20/format,webp", blue_png)
    assert out.mode == "RGBA"
    assert out.getpixel((0, 0))[3] == 0


def test_rounded_corners_on_gif_is_not_implemented_unconfirmed(fails, animated_gif):
    error = fails("image/rounded-corners,r_10", animated_gif)
    assert (error.status, error.code, error.ec) == (400, "NotImplemented", None)
    assert "GIF" in error.message


@pytest.mark.parametrize("process", [
    "image/rounded-corners,r_abc", "image/rounded-corners,r_5000", "image/rounded-corners,r_0",
])
def test_rounded_corners_rejects_bad_radius(fails, process):
    error = fails(process)
    assert (error.status, error.code, error.ec) == (400, "InvalidArgument", "0040-00000237")


def test_rounded_corners_without_radius_is_missing_unconfirmed(fails):
    error = fails("image/rounded-corners")
    assert (error.status, error.code, error.ec) == (400, "MissingArgument", "0040-00000237")
