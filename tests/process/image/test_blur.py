"""image/blur (image §4.12): larger r and s soften an edge more; alpha blurs premultiplied; errors."""

import pytest
from PIL import Image

from proxy.process.image.blur import effective_sigma


@pytest.fixture
def edge_png(encode) -> bytes:
    """100x20 grey: black left half, white right half."""
    image = Image.new("L", (100, 20), 0)
    image.paste(255, (50, 0, 100, 20))
    return encode(image, "png")


def spread(image: Image.Image) -> int:
    """How far the middle row is from the sharp step: 0 for the source, larger when softer."""
    row = [image.getpixel((x, 10)) for x in range(image.width)]
    return sum(value if x < 50 else 255 - value for x, value in enumerate(row))


@pytest.mark.parametrize("ladder", [
    ["r_1,s_1", "r_3,s_2", "r_10,s_10", "r_50,s_50"],  # both grow
    ["r_10,s_1", "r_10,s_3", "r_10,s_6", "r_10,s_10"],  # s grows
    ["r_1,s_10", "r_3,s_10", "r_6,s_10", "r_20,s_10"],  # r grows
])
def test_blur_softens_an_edge_more_as_r_and_s_grow(render, edge_png, ladder):
    spreads = [spread(render(f"image/blur,{args}", edge_png)) for args in ladder]
    assert 0 < spreads[0] < spreads[1] < spreads[2] < spreads[3]


def test_blur_keeps_size_mode_and_format(render, edge_png):
    out = render("image/blur,r_3,s_2", edge_png)
    assert (out.size, out.mode, out.format) == ((100, 20), "L", "PNG")
    assert out.getpixel((0, 10)) == 0 and out.getpixel((99, 10)) == 255  # far from the edge


def test_blur_small_radius_caps_a_large_deviation_unconfirmed(render, edge_png):
    assert spread(render("image/blur,r_1,s_50", edge_png)) < spread(render("image/blur,r_3,s_2", edge_png))
    assert effective_sigma(1, 50) < 1 < effective_sigma(3, 2) < 2


def test_blur_transparent_pixels_lend_no_colour(render, encode):
    image = Image.new("RGBA", (40, 10), (255, 0, 0, 0))
    image.paste((0, 0, 255, 255), (20, 0, 40, 10))
    out = render("image/blur,r_5,s_3", encode(image, "png"))
    edge = [out.getpixel((x, 5)) for x in range(14, 26)]
    assert all(red == 0 and blue == 255 for red, _, blue, alpha in edge if alpha)
    assert 0 < out.getpixel((19, 5))[3] < 255  # the alpha itself is blurred


def test_blur_animated_gif_keeps_every_frame_and_duration(render, animated_gif, durations):
    out = render("image/blur,r_3,s_2", animated_gif)
    assert out.n_frames == 6
    assert durations(out) == [40, 50, 60, 70, 80, 90]


@pytest.mark.parametrize(("process", "code"), [
    ("image/blur,r_3", "MissingArgument"),
    ("image/blur,s_2", "MissingArgument"),
    ("image/blur", "MissingArgument"),
    ("image/blur,r_0,s_2", "InvalidArgument"),
    ("image/blur,r_51,s_2", "InvalidArgument"),
    ("image/blur,r_3,s_0", "InvalidArgument"),
    ("image/blur,r_3,s_51", "InvalidArgument"),
    ("image/blur,r_abc,s_2", "InvalidArgument"),
])
def test_blur_rejects_bad_parameters_without_a_documented_ec(fails, process, code):
    error = fails(process)
    assert (error.status, error.code, error.ec) == (400, code, None)
