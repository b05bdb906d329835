"""image/resize (image §4.1): geometry without pixels, then decoded outputs and every error code."""

import io

import pytest
from PIL import Image

from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process.image.resize import Geometry, geometry_of

RESIZE = {"m": "lfit", "w": None, "h": None, "l": None, "s": None, "p": None, "limit": 1,
          "color": "FFFFFF"}


def geometry(source, enlarge=False, **args):
    return geometry_of(source, RESIZE | args, enlarge=enlarge)


@pytest.mark.parametrize(("mode", "size"), [
    ("lfit", (150, 75)), ("mfit", (160, 80)), ("fill", (150, 80)), ("pad", (150, 80)),
    ("fixed", (150, 80)),
])
def test_resize_worked_example_from_the_docs(render, encode, mode, size):
    source = encode(Image.new("RGB", (200, 100), (10, 200, 10)), "png")
    out = render(f"image/resize,m_{mode},w_150,h_80", source)
    assert out.size == size
    assert out.format == "PNG"


def test_resize_geometry_of_the_worked_example():
    assert geometry((200, 100), m="lfit", w=150, h=80) == Geometry.whole((150, 75), (200, 100))
    assert geometry((200, 100), m="mfit", w=150, h=80) == Geometry.whole((160, 80), (200, 100))
    assert geometry((200, 100), m="fill", w=150, h=80) == Geometry((150, 80), (6.25, 0, 193.75, 100), (150, 80))
    assert geometry((200, 100), m="pad", w=150, h=80) == Geometry((150, 75), (0, 0, 200, 100), (150, 80), (0, 2))
    assert geometry((200, 100), m="fixed", w=150, h=80) == Geometry.whole((150, 80), (200, 100))


def test_resize_lfit_keeps_aspect_ratio_with_one_side():
    assert geometry((400, 267), w=200).size == (200, 134)  # 133.5 rounds half up
    assert geometry((400, 267), h=100).size == (150, 100)  # 149.8
    assert geometry((400, 267), m="mfit", w=200).size == (200, 134)
    assert geometry((400, 267), m="fixed", h=100).size == (150, 100)


def test_resize_long_and_short_side_follow_the_source_orientation():
    assert geometry((400, 200), l=100).size == (100, 50)
    assert geometry((200, 400), l=100).size == (50, 100)
    assert geometry((400, 200), s=50).size == (100, 50)
    assert geometry((200, 400), s=50).size == (50, 100)
    assert geometry((400, 200), l=100, s=80).size == (100, 50)
    assert geometry((400, 200), m="mfit", l=100, s=80).size == (160, 80)


def test_resize_width_or_height_given_ignores_long_side():
    # The docs' `resize,l_923,h_600` on a 3924x2550 JPEG gives 923x600.
    assert geometry((3924, 2550), l=923, h=600).size == (923, 600)


def test_resize_fill_and_pad_with_one_side_use_a_square_box_unconfirmed():
    assert geometry((200, 100), m="fill", w=50).canvas == (50, 50)
    assert geometry((200, 100), m="pad", h=50).canvas == (50, 50)
    assert geometry((200, 100), m="pad", l=50).canvas == (50, 50)


def test_resize_percentage_multiplies_width_and_height_unconfirmed():
    assert geometry((400, 400), m="fixed", w=100, h=50, p=50).size == (50, 25)


def test_resize_percentage_alone_scales_every_mode_alike():
    for mode in ("lfit", "mfit", "fill", "pad", "fixed"):
        assert geometry((400, 267), m=mode, p=50).canvas == (200, 134)


def test_resize_limit_returns_the_source_instead_of_enlarging(render, encode):
    source = encode(Image.new("RGB", (200, 100)), "png")
    assert render("image/resize,w_400", source).size == (200, 100)
    assert render("image/resize,w_400,limit_0", source).size == (400, 200)


def test_resize_limit_also_caps_percentage_unconfirmed(render, encode):
    source = encode(Image.new("RGB", (200, 100)), "png")
    assert render("image/resize,p_150", source).size == (200, 100)
    assert render("image/resize,p_150,limit_0", source).size == (300, 150)


def test_resize_limit_with_fill_compares_the_covering_image_unconfirmed():
    assert geometry((200, 100), m="fill", w=150, h=150) == Geometry.whole((200, 100))
    assert geometry((200, 100), m="fill", w=150, h=150, enlarge=True).canvas == (150, 150)


def test_resize_limit_with_pad_compares_the_fitted_image_not_the_canvas_unconfirmed():
    assert geometry((200, 100), m="pad", w=200, h=200).canvas == (200, 200)
    assert geometry((200, 100), m="pad", w=300, h=300) == Geometry.whole((200, 100))


def test_resize_limit_with_fixed_returns_the_source_when_a_side_would_grow_unconfirmed():
    assert geometry((200, 100), m="fixed", w=300, h=50) == Geometry.whole((200, 100))
    assert geometry((200, 100), m="fixed", w=50, h=100).size == (50, 100)


def test_resize_fill_crops_the_centre(render, halves_png):
    out = render("image/resize,m_fill,w_100,h_100", halves_png).convert("RGB")
    assert out.size == (100, 100)
    assert out.getpixel((2, 50)) == (255, 0, 0)
    assert out.getpixel((97, 50)) == (0, 0, 255)


def test_resize_pad_centres_on_the_colour(render, halves_png):
    out = render("image/resize,m_pad,w_100,h_100,color_00FF00", halves_png).convert("RGB")
    assert out.size == (100, 100)
    assert out.getpixel((0, 0)) == (0, 255, 0)
    assert out.getpixel((99, 99)) == (0, 255, 0)
    assert out.getpixel((10, 50)) == (255, 0, 0)
    assert out.getpixel((90, 50)) == (0, 0, 255)


def test_resize_pad_defaults_to_white(render, halves_png):
    assert render("image/resize,m_pad,w_100,h_100", halves_png).getpixel((50, 1)) == (255, 255, 255)


def test_resize_pad_on_alpha_is_the_opaque_colour_unconfirmed(render, encode):
    source = encode(Image.new("RGBA", (100, 50), (0, 0, 0, 0)), "png")
    out = render("image/resize,m_pad,w_100,h_100,color_FF0000", source)
    assert out.mode == "RGBA"
    assert out.getpixel((50, 2)) == (255, 0, 0, 255)
    assert out.getpixel((50, 50))[3] == 0


def test_resize_pad_grey_image_with_a_colour_becomes_rgb(render, encode):
    source = encode(Image.new("L", (100, 50), 128), "png")
    out = render("image/resize,m_pad,w_100,h_100,color_0000FF", source)
    assert out.mode == "RGB"
    assert out.getpixel((50, 2)) == (0, 0, 255)
    assert out.getpixel((50, 50)) == (128, 128, 128)


def test_resize_fixed_stretches(render, halves_png):
    out = render("image/resize,m_fixed,w_50,h_100", halves_png)
    assert out.size == (50, 100)
    assert out.getpixel((5, 50)) == (255, 0, 0)


def test_resize_sdk_example_fixed_100x100(run, example_jpg):
    output = run("image/resize,m_fixed,w_100,h_100", example_jpg)
    assert output.media_type == "image/jpeg"
    image = Image.open(io.BytesIO(output.body))
    assert (image.format, image.size) == ("JPEG", (100, 100))


def test_resize_shrinks_a_large_jpeg_to_the_exact_size(render, encode):
    source = encode(Image.radial_gradient("L").resize((2001, 1501)).convert("RGB"), "jpg", quality=90)
    out = render("image/resize,w_100", source)
    assert out.size == (100, 75)
    full = Image.open(io.BytesIO(source)).convert("RGB").resize((100, 75), Image.LANCZOS)
    assert max(abs(a - b) for a, b in zip(out.tobytes(), full.tobytes(), strict=True)) < 16


def test_resize_fill_crops_the_centre_of_a_draft_decoded_jpeg(render, encode):
    source = Image.new("RGB", (2000, 1000), (0, 0, 255))
    source.paste((255, 0, 0), (0, 0, 1000, 1000))
    out = render("image/resize,m_fill,w_100,h_100", encode(source, "jpg"))
    assert out.size == (100, 100)
    red, _, blue = out.getpixel((3, 50))
    assert red > 230 and blue < 25
    red, _, blue = out.getpixel((96, 50))
    assert red < 25 and blue > 230


def test_resize_animated_gif_keeps_every_frame_and_duration(render, animated_gif, durations):
    out = render("image/resize,w_60", animated_gif)
    assert (out.format, out.size, out.n_frames) == ("GIF", (60, 40), 6)
    assert durations(out) == [40, 50, 60, 70, 80, 90]
    assert out.info["loop"] == 0


def test_resize_animated_gif_by_percentage_is_static(render, animated_gif):
    out = render("image/resize,p_50", animated_gif)
    assert (out.format, out.size, getattr(out, "n_frames", 1)) == ("GIF", (60, 40), 1)


def test_resize_gif_is_never_enlarged(render, animated_gif):
    assert render("image/resize,w_240,limit_0", animated_gif).size == (120, 80)


@pytest.mark.parametrize(("process", "code", "ec"), [
    ("image/resize,m_abc,w_10", "InvalidArgument", "0040-00000311"),
    ("image/resize,w_0", "InvalidArgument", "0040-00000312"),
    ("image/resize,w_16385", "InvalidArgument", "0040-00000312"),
    ("image/resize,w_abc", "InvalidArgument", "0040-00000312"),
    ("image/resize,h_0", "InvalidArgument", "0040-00000313"),
    ("image/resize,l_0", "InvalidArgument", "0040-00000314"),
    ("image/resize,s_0", "InvalidArgument", "0040-00000315"),
    ("image/resize,p_0", "InvalidArgument", "0040-00000317"),
    ("image/resize,p_1001", "InvalidArgument", "0040-00000317"),
    ("image/resize,w_10,limit_2", "InvalidArgument", "0040-00000319"),
    ("image/resize,w_0,h_0", "InvalidArgument", "0040-00000321"),
    ("image/resize", "MissingArgument", "0040-00000322"),
    ("image/resize,m_fixed,limit_0", "MissingArgument", "0040-00000322"),
])
def test_resize_rejects_bad_parameters(fails, process, code, ec):
    error = fails(process)
    assert (error.status, error.code, error.ec) == (400, code, ec)


def test_resize_rejects_bad_colour(fails):
    error = fails("image/resize,m_pad,w_10,color_GGGGGG")
    assert (error.status, error.code) == (400, "InvalidArgument")


def test_resize_output_over_the_limits_is_too_large(fails, encode):
    source = encode(Image.new("RGB", (100, 100)), "png")
    error = fails("image/resize,m_fixed,w_5000,h_5000,limit_0", source)
    assert (error.status, error.code, error.ec) == (400, "ImageTooLarge", "0040-00000007")
    error = fails("image/resize,w_80", source, Limits(max_output_side=50))
    assert error.ec == "0040-00000007"


def test_resize_canonical_form_drops_defaults():
    assert parse_process("image/resize,w_100,m_lfit,limit_1,color_ffffff", OSS).canonical() == "image/resize,w_100"


def test_resize_animated_gif_with_transparency_does_not_smear(render, encode):
    frames = []
    for index in range(4):
        frame = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
        frame.paste((255, 0, 0, 255), (index * 10, 0, index * 10 + 10, 10))
        frames.append(frame)
    source = encode(frames[0], "gif", save_all=True, append_images=frames[1:], duration=100,
                    loop=0, disposal=2)
    out = render("image/resize,w_20", source)
    assert out.n_frames == 4
    for index in range(4):
        out.seek(index)
        painted = [out.convert("RGBA").getpixel((block * 5 + 2, 2))[3] > 128 for block in range(4)]
        assert painted == [block == index for block in range(4)]
