"""image/rotate (image §4.7): direction, canvas growth, corner fill per output format, GIF, errors."""

import math

import pytest
from PIL import Image

from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process.image.rotate import rotated_size
from tests.process.image.test_circle import whitish

RED, BLUE = (255, 0, 0), (0, 0, 255)


@pytest.fixture
def red_corner_png(encode) -> bytes:
    """60x40 blue with a red 10x10 block in the top-left corner."""
    image = Image.new("RGB", (60, 40), BLUE)
    image.paste(RED, (0, 0, 10, 10))
    return encode(image, "png")


def test_rotate_sdk_example_90_on_the_sample(run, render, example_jpg):
    assert run("image/rotate,90", example_jpg).media_type == "image/jpeg"
    out = render("image/rotate,90", example_jpg)
    assert (out.format, out.size) == ("JPEG", (267, 400))


@pytest.mark.parametrize(("angle", "size", "red_at"), [
    (90, (40, 60), (35, 5)), (180, (60, 40), (55, 35)), (270, (40, 60), (5, 55)),
])
def test_rotate_right_angles_turn_clockwise(render, red_corner_png, angle, size, red_at):
    out = render(f"image/rotate,{angle}", red_corner_png)
    assert (out.mode, out.size) == ("RGB", size)
    assert out.getpixel(red_at) == RED
    assert out.getpixel((size[0] // 2, size[1] // 2)) == BLUE


@pytest.mark.parametrize("angle", [0, 360])
def test_rotate_full_turns_keep_the_image(render, red_corner_png, angle):
    out = render(f"image/rotate,{angle}", red_corner_png)
    assert out.size == (60, 40)
    assert out.getpixel((5, 5)) == RED


def test_rotate_size_grows_to_hold_the_turned_image():
    assert rotated_size((400, 267), 0) == (400, 267)
    assert rotated_size((400, 267), 90) == (267, 400)
    assert rotated_size((400, 267), 180) == (400, 267)
    assert rotated_size((400, 267), 45) == (472, 472)
    assert rotated_size((400, 267), 30) == (480, 432)


@pytest.mark.parametrize("angle", [1, 30, 45, 89, 135, 200, 359])
def test_rotate_size_is_never_larger_than_pillows_expand(angle):
    ours = rotated_size((400, 267), angle)
    pillows = Image.new("L", (400, 267)).rotate(-angle, expand=True).size
    assert 0 <= pillows[0] - ours[0] <= 1 and 0 <= pillows[1] - ours[1] <= 1


def test_rotate_45_on_jpg_fills_the_corners_white(render, example_jpg):
    out = render("image/rotate,45", example_jpg)
    assert (out.format, out.mode, out.size) == ("JPEG", "RGB", (472, 472))
    assert whitish(out.getpixel((2, 2)))
    assert not whitish(out.getpixel((236, 236)))


def test_rotate_45_with_alpha_output_leaves_the_corners_transparent_unconfirmed(render, red_corner_png):
    out = render("image/rotate,45", red_corner_png)
    assert (out.format, out.mode) == ("PNG", "RGBA")
    assert out.size == rotated_size((60, 40), 45)
    assert out.getpixel((0, 0))[3] == 0
    assert out.getpixel((out.width // 2, out.height // 2)) == (*BLUE, 255)


def test_rotate_corner_fill_follows_a_later_format(render, red_corner_png):
    out = render("image/rotate,30/format,jpg", red_corner_png)
    assert out.mode == "RGB"
    assert whitish(out.getpixel((0, 0)))


def test_rotate_turns_clockwise_about_the_centre_at_any_angle(render, encode):
    # A red dot 34.5 px right of the centre turns 60 degrees clockwise: below-right of the centre.
    image = Image.new("RGB", (101, 101), BLUE)
    image.paste(RED, (80, 45, 90, 55))
    out = render("image/rotate,60/format,png", encode(image, "png"))
    theta = math.radians(60)
    dx, dy = 34.5 * math.cos(theta) + 0.5 * math.sin(theta), 34.5 * math.sin(theta) - 0.5 * math.cos(theta)
    assert out.getpixel((int(out.width / 2 + dx), int(out.height / 2 + dy))) == (*RED, 255)
    assert out.getpixel((int(out.width / 2 + dx), int(out.height / 2 - dy))) == (*BLUE, 255)


def test_rotate_animated_gif_becomes_its_first_frame(render, animated_gif):
    out = render("image/rotate,90", animated_gif)
    assert (out.format, out.size, getattr(out, "n_frames", 1)) == ("GIF", (80, 120), 1)
    assert out.convert("RGB").getpixel((40, 60)) == pytest.approx((0, 255, 60), abs=8)


def test_rotate_animated_gif_by_zero_is_static_too(render, animated_gif):
    out = render("image/rotate,0", animated_gif)
    assert (out.size, getattr(out, "n_frames", 1)) == ((120, 80), 1)


def test_rotate_output_over_the_limits_is_too_large(fails, encode):
    source = encode(Image.new("RGB", (100, 100)), "png")
    error = fails("image/rotate,45", source, Limits(max_output_side=120))
    assert (error.status, error.code, error.ec) == (400, "ImageTooLarge", "0040-00000007")


def test_rotate_right_angles_only_move_accepted_pixels(render, encode):
    source = encode(Image.new("RGB", (200, 100)), "png")
    assert render("image/rotate,90", source, Limits(max_output_side=150)).size == (100, 200)


def test_rotate_bare_action_is_a_no_op_and_canonical_drops_zero():
    assert parse_process("image/rotate,0", OSS).canonical() == "image/rotate"


@pytest.mark.parametrize("process", [
    "image/rotate,abc", "image/rotate,400", "image/rotate,361", "image/rotate,-90", "image/rotate,45.5",
])
def test_rotate_rejects_bad_angles(fails, process):
    error = fails(process)
    assert (error.status, error.code, error.ec) == (400, "InvalidArgument", "0040-00000217")


def test_rotate_rejects_several_values(fails):
    error = fails("image/rotate,90,200,300")
    assert (error.status, error.code, error.ec) == (400, "BadRequest", "0040-00000203")
