"""image/sharpen (image §4.13): the SDK vector, edge contrast growing with the value, alpha kept."""

import io
from itertools import pairwise

import pytest
from PIL import Image, ImageFilter


@pytest.fixture
def soft_edge_png(encode) -> bytes:
    """100x20 grey: a blurred step from 60 to 190."""
    image = Image.new("L", (100, 20), 60)
    image.paste(190, (50, 0, 100, 20))
    return encode(image.filter(ImageFilter.GaussianBlur(2)), "png")


def edge_contrast(image: Image.Image) -> int:
    """The steepest step between neighbours across the middle row."""
    row = [image.getpixel((x, 10)) for x in range(image.width)]
    return max(abs(b - a) for a, b in pairwise(row))


def test_sharpen_sdk_example_keeps_the_size(render, example_jpg):
    out = render("image/sharpen,100", example_jpg)
    assert (out.size, out.mode, out.format) == ((400, 267), "RGB", "JPEG")


def test_sharpen_raises_edge_contrast_with_the_value(render, soft_edge_png):
    source = edge_contrast(Image.open(io.BytesIO(soft_edge_png)))
    steps = [edge_contrast(render(f"image/sharpen,{value}", soft_edge_png)) for value in (50, 100, 200, 399)]
    assert source < steps[0] < steps[1] < steps[2] < steps[3]


def test_sharpen_leaves_flat_areas_alone(render, soft_edge_png):
    out = render("image/sharpen,399", soft_edge_png)
    assert (out.getpixel((2, 10)), out.getpixel((97, 10))) == (60, 190)


def test_sharpen_keeps_alpha(render, encode):
    image = Image.radial_gradient("L").resize((64, 64)).convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize((64, 64)))
    out = render("image/sharpen,300", encode(image, "png"))
    assert out.mode == "RGBA"
    assert out.getchannel("A").tobytes() == image.getchannel("A").tobytes()


def test_sharpen_animated_gif_keeps_every_frame(render, animated_gif, durations):
    out = render("image/sharpen,100", animated_gif)
    assert out.n_frames == 6 and durations(out) == [40, 50, 60, 70, 80, 90]


@pytest.mark.parametrize(("process", "code", "ec"), [
    ("image/sharpen,49", "InvalidArgument", None),
    ("image/sharpen,400", "InvalidArgument", None),
    ("image/sharpen,abc", "InvalidArgument", None),
    ("image/sharpen", "MissingArgument", None),
    ("image/sharpen,100,200", "BadRequest", "0040-00000203"),
])
def test_sharpen_rejects_bad_values_without_a_documented_ec(fails, process, code, ec):
    error = fails(process)
    assert (error.status, error.code, error.ec) == (400, code, ec)
