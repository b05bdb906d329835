"""image/crop (image §4.2): the rectangle without pixels, then decoded outputs and every error path."""

import pytest
from PIL import Image

from proxy.errors import OssError
from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS
from proxy.process.image.crop import OUT_OF_IMAGE, crop_box


def box(source=(400, 267), w=0, h=0, x=0, y=0, g=None):
    return crop_box(source, w, h, x, y, g)


def test_crop_sdk_example_ignores_the_unknown_r(run, example_jpg, render):
    output = run("image/crop,w_100,h_100,x_100,y_100,r_1", example_jpg)
    assert output.media_type == "image/jpeg"
    out = render("image/crop,w_100,h_100,x_100,y_100,r_1", example_jpg)
    assert (out.format, out.size) == ("JPEG", (100, 100))


def test_crop_start_point_alone_runs_to_the_edges(render, example_jpg):
    assert render("image/crop,x_100,y_50", example_jpg).size == (300, 217)
    assert box(x=100, y=50) == (100, 50, 400, 267)


def test_crop_without_gravity_starts_at_x_y():
    assert box(w=100, h=100, x=100, y=100) == (100, 100, 200, 200)


def test_crop_rectangle_past_the_edge_is_clipped():
    assert box(w=100, h=100, x=350, y=200) == (350, 200, 400, 267)
    assert box(w=5000, h=5000) == (0, 0, 400, 267)


@pytest.mark.parametrize(("g", "expected"), [
    ("nw", (0, 0, 100, 100)), ("north", (150, 0, 250, 100)), ("ne", (300, 0, 400, 100)),
    ("west", (0, 83, 100, 183)), ("center", (150, 83, 250, 183)), ("east", (300, 83, 400, 183)),
    ("sw", (0, 167, 100, 267)), ("south", (150, 167, 250, 267)), ("se", (300, 167, 400, 267)),
])
def test_crop_gravity_anchors_the_rectangle(g, expected):
    assert box(w=100, h=100, g=g) == expected


def test_crop_gravity_offsets_are_added_to_the_anchor_then_clipped_unconfirmed():
    assert box(w=100, h=100, x=20, y=10, g="center") == (170, 93, 270, 193)
    assert box(w=100, h=100, x=50, y=50, g="se") == (350, 217, 400, 267)


def test_crop_gravity_with_a_side_larger_than_the_image_anchors_inside_it_unconfirmed():
    assert box(w=1000, h=50, g="se") == (0, 217, 400, 267)
    assert box(g="se") == (0, 0, 400, 267)


def test_crop_zero_size_means_to_the_edge_unconfirmed():
    assert box(w=0, h=0, x=10, y=20) == (10, 20, 400, 267)


def test_crop_gravity_cuts_the_right_pixels(render, halves_png):
    west = render("image/crop,w_50,h_50,g_west", halves_png)
    east = render("image/crop,w_50,h_50,g_east", halves_png)
    assert west.size == east.size == (50, 50)
    assert west.getpixel((25, 25)) == (255, 0, 0)
    assert east.getpixel((25, 25)) == (0, 0, 255)


def test_crop_keeps_png_alpha(render, encode):
    source = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    source.paste((0, 255, 0, 255), (20, 20, 40, 40))
    out = render("image/crop,x_10,y_10,w_20,h_20", encode(source, "png"))
    assert (out.format, out.mode, out.size) == ("PNG", "RGBA", (20, 20))
    assert out.getpixel((0, 0))[3] == 0
    assert out.getpixel((15, 15)) == (0, 255, 0, 255)


def test_crop_animated_gif_keeps_every_frame_and_duration_unconfirmed(render, animated_gif, durations):
    out = render("image/crop,w_60,h_40,g_center", animated_gif)
    assert (out.format, out.size, out.n_frames) == ("GIF", (60, 40), 6)
    assert durations(out) == [40, 50, 60, 70, 80, 90]
    assert out.info["loop"] == 0
    out.seek(5)
    assert out.convert("RGB").getpixel((30, 20)) == pytest.approx((200, 55, 60), abs=8)


def test_crop_without_parameters_returns_the_whole_image(render, example_jpg):
    assert render("image/crop", example_jpg).size == (400, 267)


def test_crop_canonical_form_drops_zero_sizes_and_offsets():
    assert parse_process("image/crop,w_0,x_0,y_10,r_1", OSS).canonical() == "image/crop,y_10"


@pytest.mark.parametrize("process", [
    "image/crop,x_400",
    "image/crop,y_267",
    "image/crop,x_1000,y_1000,w_10,h_10",
    "image/crop,w_100,h_100,x_100,g_se",
])
def test_crop_start_outside_the_image_is_a_bad_request(fails, example_jpg, process):
    error = fails(process, example_jpg)
    assert (error.status, error.code, error.ec) == (400, "BadRequest", None)
    assert error.message == OUT_OF_IMAGE == "Advance cut's position is out of image."


def test_crop_geometry_raises_for_a_start_outside_the_image():
    with pytest.raises(OssError):
        box(x=400)


@pytest.mark.parametrize(("process", "ec"), [
    ("image/crop,w_100,g_fac", "0040-00000209"),
    ("image/crop,g_NW", "0040-00000209"),
    ("image/crop,w_abc", None),
    ("image/crop,h_-5", None),
    ("image/crop,x_1.5", None),
    ("image/crop,y_abc", None),
])
def test_crop_rejects_bad_parameters(fails, process, ec):
    error = fails(process)
    assert (error.status, error.code, error.ec) == (400, "InvalidArgument", ec)
