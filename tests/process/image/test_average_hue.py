"""image/average-hue (image §4.15): the mean colour as `{"RGB": "0xrrggbb"}`, alpha-weighted."""

import json

import pytest
from PIL import Image


def hue(run, process: str, data: bytes) -> str:
    return json.loads(run(process, data).body)["RGB"]


@pytest.mark.parametrize("fmt", ["png", "jpg", "webp", "gif"])
def test_average_hue_of_a_solid_colour_is_that_colour(run, encode, fmt):
    colour = (0x12, 0xAB, 0xEF) if fmt != "jpg" else (0x10, 0x80, 0xF0)  # JPEG-exact in YCbCr
    source = encode(Image.new("RGB", (40, 30), colour), fmt, **({"lossless": True} if fmt == "webp" else {}))
    assert hue(run, "image/average-hue", source) == "0x{:02x}{:02x}{:02x}".format(*colour)


def test_average_hue_of_the_sdk_sample_is_the_arithmetic_mean_unconfirmed(run, example_jpg):
    # image §4.15: the plain per-channel mean of the decoded sample is (119, 139, 92).
    output = run("image/average-hue", example_jpg)
    assert output.body == b'{\n    "RGB": "0x778b5c"}'
    assert output.media_type == "application/json"


def test_average_hue_is_the_mean_of_mixed_pixels(run, halves_png):
    assert hue(run, "image/average-hue", halves_png) == "0x800080"  # (127.5, 0, 127.5) rounds up


def test_average_hue_of_grey_repeats_the_level(run, encode):
    assert hue(run, "image/average-hue", encode(Image.new("L", (8, 8), 0x5A), "png")) == "0x5a5a5a"


def test_average_hue_weights_pixels_by_alpha_unconfirmed(run, encode):
    image = Image.new("RGBA", (20, 10), (255, 0, 0, 0))  # invisible red
    image.paste((0, 0, 255, 255), (10, 0, 20, 10))
    image.paste((0, 255, 0, 85), (0, 0, 5, 10))  # 50 third-opaque green pixels against 100 blue
    # weights 50 * 85 : 100 * 255 = 1 : 6 → green 255/7 = 36.4, blue 255 * 6/7 = 218.6
    assert hue(run, "image/average-hue", encode(image, "png")) == "0x0024db"


def test_average_hue_of_a_fully_transparent_image_is_its_colour_unconfirmed(run, encode):
    assert hue(run, "image/average-hue", encode(Image.new("RGBA", (8, 8), (9, 99, 199, 0)), "png")) == "0x0963c7"


def test_average_hue_of_an_animation_is_its_first_frame_unconfirmed(run, animated_gif):
    assert hue(run, "image/average-hue", animated_gif) == "0x00ff3c"


def test_average_hue_follows_other_actions(run, halves_png):
    assert hue(run, "image/resize,m_fixed,w_100,h_100,limit_0/average-hue", halves_png) == "0x800080"
    assert hue(run, "image/format,jpg/average-hue", halves_png) == "0x800080"


def test_average_hue_takes_no_arguments(fails, example_jpg):
    error = fails("image/average-hue,abc", example_jpg)
    assert (error.status, error.code) == (400, "BadRequest")
