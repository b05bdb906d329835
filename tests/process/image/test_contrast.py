"""image/contrast (image §4.13): more spread above 0, less below, mid-grey fixed, alpha kept."""

import pytest
from PIL import Image, ImageStat

from proxy.process.image.contrast import curve

VALUES = (-100, -50, -10, 0, 10, 50, 100)


@pytest.fixture
def gradient_png(encode) -> bytes:
    """256x4 grey ramp 0..255."""
    return encode(Image.linear_gradient("L").rotate(90).resize((256, 4)), "png")


def stddev(image: Image.Image) -> float:
    return ImageStat.Stat(image).stddev[0]


def test_contrast_raises_the_spread_of_a_gradient_with_the_value(render, gradient_png):
    spreads = [stddev(render(f"image/contrast,{value}", gradient_png)) for value in VALUES]
    assert spreads == sorted(spreads) and len(set(spreads)) == len(spreads)


def test_contrast_zero_leaves_pixels_unchanged(render, gradient_png):
    out = render("image/contrast,0", gradient_png)
    assert [out.getpixel((x, 1)) for x in range(256)] == list(range(256))


def test_contrast_moves_dark_down_and_light_up(render, gradient_png):
    out = render("image/contrast,50", gradient_png)
    assert out.getpixel((64, 1)) < 64 and out.getpixel((192, 1)) > 192
    assert abs(out.getpixel((128, 1)) - 128) <= 1  # mid-grey is the pivot


def test_contrast_extremes_are_strong_but_not_degenerate_unconfirmed(render, gradient_png):
    steep, flat = render("image/contrast,100", gradient_png), render("image/contrast,-100", gradient_png)
    assert sum(1 for count in steep.histogram() if count) > 2  # not a threshold
    assert 0 < stddev(flat) < stddev(render("image/contrast,-50", gradient_png))  # not a flat grey
    darkest, lightest = flat.getextrema()
    assert lightest - darkest < 50


def test_contrast_curve_is_monotonic_in_input():
    for value in VALUES:
        outputs = [curve(value)(x) for x in range(256)]
        assert outputs == sorted(outputs)


def test_contrast_keeps_alpha(render, encode):
    image = Image.linear_gradient("L").resize((64, 64)).convert("LA")
    image.putalpha(Image.linear_gradient("L").rotate(90).resize((64, 64)))
    out = render("image/contrast,60", encode(image, "png"))
    assert out.mode == "LA"
    assert out.getchannel("A").tobytes() == image.getchannel("A").tobytes()


def test_contrast_animated_gif_keeps_every_frame(render, animated_gif, durations):
    out = render("image/contrast,-20", animated_gif)
    assert out.n_frames == 6 and durations(out) == [40, 50, 60, 70, 80, 90]


@pytest.mark.parametrize(("process", "code", "ec"), [
    ("image/contrast,abc", "InvalidArgument", None),
    ("image/contrast,101", "InvalidArgument", None),
    ("image/contrast,-101", "InvalidArgument", None),
    ("image/contrast", "MissingArgument", None),
    ("image/contrast,10,20", "BadRequest", "0040-00000203"),
])
def test_contrast_rejects_bad_values_without_a_documented_ec(fails, process, code, ec):
    error = fails(process)
    assert (error.status, error.code, error.ec) == (400, code, ec)
