"""image/bright (image §4.13): brighter above 0, darker below, strong but not flat at ±100; alpha kept."""

import pytest
from PIL import Image, ImageStat

from proxy.process.image.bright import curve

VALUES = (-100, -50, -10, 0, 10, 50, 100)


@pytest.fixture
def gradient_png(encode) -> bytes:
    """256x4 grey ramp 0..255."""
    return encode(Image.linear_gradient("L").rotate(90).resize((256, 4)), "png")


def row(image: Image.Image) -> list[int]:
    return [image.getpixel((x, 1)) for x in range(image.width)]


def test_bright_raises_every_sampled_pixel_with_the_value(render, gradient_png):
    rows = [row(render(f"image/bright,{value}", gradient_png)) for value in VALUES]
    for x in (32, 96, 128, 200):
        samples = [r[x] for r in rows]
        assert samples == sorted(samples) and len(set(samples)) == len(samples), (x, samples)


def test_bright_zero_leaves_pixels_unchanged(render, gradient_png):
    assert row(render("image/bright,0", gradient_png)) == list(range(256))


def test_bright_extremes_are_strong_but_keep_detail_unconfirmed(render, gradient_png):
    brightest, darkest = row(render("image/bright,100", gradient_png)), row(render("image/bright,-100", gradient_png))
    assert min(brightest) >= 200 and len(set(brightest)) > 40
    assert max(darkest) <= 52 and len(set(darkest)) > 40


def test_bright_curve_is_monotonic_in_input_and_value():
    for low, high in zip(range(-100, 100), range(-99, 101), strict=True):
        assert all(curve(low)(x) <= curve(high)(x) for x in range(256))
    for value in VALUES:
        outputs = [curve(value)(x) for x in range(256)]
        assert outputs == sorted(outputs)


def test_bright_keeps_alpha(render, encode):
    image = Image.linear_gradient("L").resize((64, 64)).convert("RGBA")
    image.putalpha(Image.linear_gradient("L").rotate(90).resize((64, 64)))
    out = render("image/bright,80", encode(image, "png"))
    assert out.mode == "RGBA"
    assert out.getchannel("A").tobytes() == image.getchannel("A").tobytes()
    assert ImageStat.Stat(out.convert("RGB")).mean[0] > ImageStat.Stat(image.convert("RGB")).mean[0]


def test_bright_animated_gif_brightens_every_frame(render, animated_gif, durations):
    out = render("image/bright,50", animated_gif)
    assert out.n_frames == 6 and durations(out) == [40, 50, 60, 70, 80, 90]
    out.seek(5)
    assert out.convert("RGB").getpixel((5, 5))[2] > 60  # frame 5's blue channel was 60


def test_bright_sdk_example_keeps_the_size(render, example_jpg):
    out = render("image/bright,50", example_jpg)
    assert (out.size, out.format) == ((400, 267), "JPEG")


@pytest.mark.parametrize(("process", "code", "ec"), [
    ("image/bright,abc", "InvalidArgument", "0040-00000246"),
    ("image/bright,200", "InvalidArgument", "0040-00000246"),
    ("image/bright,-101", "InvalidArgument", "0040-00000246"),
    ("image/bright,5.5", "InvalidArgument", "0040-00000246"),
    ("image/bright", "MissingArgument", "0040-00000246"),
    ("image/bright,10,20", "BadRequest", "0040-00000203"),
])
def test_bright_rejects_bad_values(fails, process, code, ec):
    error = fails(process)
    assert (error.status, error.code, error.ec) == (400, code, ec)
