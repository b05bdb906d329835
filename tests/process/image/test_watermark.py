"""image/watermark (image §4.3): text and image marks, placement, opacity, tiling, animation, every EC."""

import pytest
from PIL import Image, ImageChops

from proxy.errors import OssError
from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS
from proxy.grammar.params import encode_b64
from proxy.limits import Limits
from proxy.process.image.watermark import position
from proxy.process.runner import needed_objects, run_chain

from .conftest import encoded, opened

HELLO = "SGVsbG8g5Zu-54mH5pyN5YqhIQ"  # "Hello 图片服务!", the SDKs' vector
WHITE, RED, GREY = (255, 255, 255), (255, 0, 0), (128, 128, 128)


def b64(text: str) -> str:
    return encode_b64(text)


def png(size=(200, 100), color=WHITE, mode="RGB") -> bytes:
    return encoded(Image.new(mode, size, color), "png")


def mark_png(size=(20, 10), color=RED) -> bytes:
    return png(size, color)


def watermarked(process: str, data: bytes, resources=None) -> Image.Image:
    output = run_chain(parse_process(process, OSS), data, "application/octet-stream", Limits(), resources or {})
    image = opened(output)
    image.load()
    return image


def failure(process: str, data: bytes = b"", resources=None) -> OssError:
    with pytest.raises(OssError) as info:
        watermarked(process, data, resources)
    return info.value


def colours(image: Image.Image) -> dict[tuple[int, ...], int]:
    """Each colour of `image` and how many pixels have it."""
    return {colour: count for count, colour in image.getcolors(image.width * image.height)}


def changed_box(image: Image.Image, color=WHITE):
    """The bounding box of the pixels that are not `color`."""
    rgb = image.convert("RGB")
    return ImageChops.difference(rgb, Image.new("RGB", rgb.size, color)).getbbox()


def image_mark(key="mark.png", **args) -> str:
    extra = "".join(f",{k}_{v}" for k, v in args.items())
    return f"image/watermark,image_{b64(key)}{extra}"


# --- SDK vectors -------------------------------------------------------------------------------

def test_watermark_sdk_text_vector_marks_only_the_bottom_right(example_jpg):
    marked = watermarked(f"image/watermark,text_{HELLO}", example_jpg)
    unmarked = watermarked(f"image/watermark,text_{HELLO},t_0", example_jpg)  # same encoder, no ink
    assert (marked.format, marked.size) == ("JPEG", (400, 267))
    # JPEG smears small differences over 16 px blocks: only strong ones are ink
    ink = ImageChops.difference(marked, unmarked).convert("L").point(lambda value: 255 if value > 60 else 0)
    left, top, right, bottom = ink.getbbox()
    assert left > 100 and top > 200  # default g_se: the text's box ends x/y = 10 px from the corner
    assert 380 <= right <= 392 and 250 <= bottom <= 259


def test_watermark_sdk_vector_after_resize_draws_white_text(example_jpg):
    process = f"image/resize,w_300,h_300/watermark,size_30,text_{HELLO},color_FFFFFF,t_100,g_se,x_10,y_10"
    out = watermarked(process, example_jpg)
    assert (out.format, out.size) == ("JPEG", (300, 200))
    corner = colours(out.crop((150, 150, 300, 200)).convert("RGB"))
    assert sum(count for pixel, count in corner.items() if min(pixel) > 235) > 100


# --- text --------------------------------------------------------------------------------------

def test_watermark_text_is_drawn_in_the_requested_colour():
    out = watermarked(f"image/watermark,text_{b64('图片服务')},color_FF0000,g_nw,x_0,y_0", png(color=GREY))
    found = colours(out)
    assert found[RED] > 300  # the strokes' cores are exactly red
    # anti-aliased edges blend grey into red: green and blue stay equal and fall as red rises
    assert all(g == b and r >= 128 and g <= 128 for r, g, b in found)


def test_watermark_text_stays_inside_its_gravity_cell():
    for gravity, (cx, cy) in {"nw": (0, 0), "center": (1, 1), "se": (2, 2), "north": (1, 0), "sw": (0, 2)}.items():
        out = watermarked(f"image/watermark,text_{b64('图片')},size_20,g_{gravity}", png((300, 150)))
        left, top, right, bottom = changed_box(out)
        assert cx * 100 <= left and right <= (cx + 1) * 100, gravity
        assert cy * 50 <= top and bottom <= (cy + 1) * 50, gravity


def test_watermark_text_margins_are_measured_from_the_ink_unconfirmed():
    out = watermarked(f"image/watermark,text_{b64('图')},size_40,color_000000,g_nw,x_7,y_9", png((200, 100)))
    left, top, _, _ = changed_box(out)
    assert (left, top) == (7, 9)


def test_watermark_text_shadow_is_black_and_offset_by_five_percent_unconfirmed():
    plain = watermarked(f"image/watermark,text_{b64('图')},size_40,color_FFFFFF", png(color=GREY))
    shadowed = watermarked(f"image/watermark,text_{b64('图')},size_40,color_FFFFFF,shadow_100", png(color=GREY))
    assert not [pixel for pixel in colours(plain) if pixel[0] < 100]
    grey = shadowed.convert("L")
    text_box = grey.point(lambda value: 255 if value > 200 else 0).getbbox()
    shadow_box = grey.point(lambda value: 255 if value < 100 else 0).getbbox()
    assert shadow_box[2] == text_box[2] + 2 and shadow_box[3] == text_box[3] + 2  # 5 % of 40 px


def test_watermark_text_rotate_turns_a_wide_mark_upright():
    flat = changed_box(watermarked(f"image/watermark,text_{b64('图片服务')},size_20", png((300, 300))))
    turned = changed_box(watermarked(f"image/watermark,text_{b64('图片服务')},size_20,rotate_90", png((300, 300))))
    assert flat[2] - flat[0] > 3 * (flat[3] - flat[1])
    assert turned[3] - turned[1] > 3 * (turned[2] - turned[0])


def test_watermark_text_with_a_line_break_draws_one_line():
    two_lines = b64("图\n片")
    out = watermarked(f"image/watermark,text_{two_lines},size_20,g_nw", png((200, 100)))
    _, top, _, bottom = changed_box(out)
    assert bottom - top < 25


def test_watermark_on_a_grey_image_keeps_grey_for_black_text_and_becomes_colour_for_red():
    grey = png(mode="L", color=200)
    assert watermarked(f"image/watermark,text_{HELLO}", grey).mode == "L"
    assert watermarked(f"image/watermark,text_{HELLO},color_FF0000", grey).mode == "RGB"


def test_watermark_huge_text_is_refused_before_rendering():
    err = failure(f"image/watermark,text_{b64('图' * 64)},size_1000", png())
    assert (err.status, err.code, err.ec) == (400, "ImageTooLarge", "0040-00000007")


# --- placement ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("gravity", "corner"), [
    ("nw", (10, 10)), ("north", (90, 10)), ("ne", (170, 10)),
    ("west", (10, 45)), ("center", (90, 45)), ("east", (170, 45)),
    ("sw", (10, 80)), ("south", (90, 80)), ("se", (170, 80)),
])
def test_watermark_image_lands_on_the_gravity_grid_with_margins(gravity, corner):
    out = watermarked(image_mark(g=gravity), png(), {"mark.png": mark_png()})
    assert changed_box(out) == (*corner, corner[0] + 20, corner[1] + 10)
    assert out.getpixel(corner) == RED


def test_watermark_margins_do_not_move_the_middle_column_or_row():
    assert position("north", (200, 100), (20, 10), 50, 5, 0) == (90, 5)
    assert position("west", (200, 100), (20, 10), 5, 30, 0) == (5, 45)
    assert position("center", (200, 100), (20, 10), 50, 30, 0) == (90, 45)


def test_watermark_positive_voffset_moves_the_middle_row_up_unconfirmed():
    up = watermarked(image_mark(g="center", voffset=20), png(), {"mark.png": mark_png()})
    down = watermarked(image_mark(g="east", voffset=-20), png(), {"mark.png": mark_png()})
    assert changed_box(up) == (90, 25, 110, 35)
    assert changed_box(down) == (170, 65, 190, 75)


def test_watermark_voffset_is_ignored_outside_the_middle_row():
    out = watermarked(image_mark(g="nw", voffset=20), png(), {"mark.png": mark_png()})
    assert changed_box(out) == (10, 10, 30, 20)


def test_watermark_mark_past_the_edge_is_clipped():
    out = watermarked(image_mark(g="nw", x=190, y=95), png(), {"mark.png": mark_png()})
    assert changed_box(out) == (190, 95, 200, 100)


# --- opacity, alpha ----------------------------------------------------------------------------

def test_watermark_half_opacity_blends_the_mark_with_the_image():
    out = watermarked(image_mark(g="nw", x=0, y=0, t=50), png(), {"mark.png": mark_png()})
    r, g, b = out.getpixel((5, 5))
    assert r == 255 and 125 <= g <= 129 and g == b


def test_watermark_on_a_transparent_image_keeps_the_marks_own_opacity():
    clear = png(color=(0, 0, 0, 0), mode="RGBA")
    out = watermarked(image_mark(g="nw", x=0, y=0, t=50), clear, {"mark.png": mark_png()})
    r, g, b, a = out.getpixel((5, 5))
    assert (r, g, b) == RED and 126 <= a <= 130
    assert out.getpixel((100, 50))[3] == 0


def test_watermark_transparent_parts_of_the_mark_leave_the_image_alone():
    mark = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    mark.paste((0, 0, 255, 255), (0, 0, 10, 20))
    out = watermarked(image_mark(g="nw", x=0, y=0), png(), {"mark.png": encoded(mark, "png")})
    assert out.getpixel((5, 5)) == (0, 0, 255) and out.getpixel((15, 5)) == WHITE


# --- fill --------------------------------------------------------------------------------------

def test_watermark_fill_tiles_text_over_all_four_quadrants():
    out = watermarked(f"image/watermark,text_{b64('图片')},size_20,fill_1,padx_10,pady_10", png((400, 300)))
    quadrants = [(0, 0, 200, 150), (200, 0, 400, 150), (0, 150, 200, 300), (200, 150, 400, 300)]
    for box in quadrants:
        assert changed_box(out.crop(box)) is not None, box


def test_watermark_fill_repeats_the_mark_every_width_plus_padx_and_height_plus_pady():
    out = watermarked(image_mark(g="nw", x=0, y=0, fill=1, padx=10, pady=5), png(), {"mark.png": mark_png()})
    assert out.getpixel((0, 0)) == RED and out.getpixel((19, 9)) == RED
    assert out.getpixel((25, 0)) == WHITE and out.getpixel((30, 0)) == RED  # 20 px mark + 10 px gap
    assert out.getpixel((0, 12)) == WHITE and out.getpixel((0, 15)) == RED  # 10 px mark + 5 px gap
    assert out.getpixel((199, 99)) == RED  # tiles reach the far corner: 180 + 20, 90 + 10


def test_watermark_fill_grid_is_anchored_at_the_gravity_position_unconfirmed():
    out = watermarked(image_mark(fill=1, padx=10, pady=5), png(), {"mark.png": mark_png()})
    # g_se, x/y 10 puts one tile at (170, 80); the grid runs through it in both directions
    assert out.getpixel((170, 80)) == RED and out.getpixel((169, 80)) == WHITE
    assert out.getpixel((140, 65)) == RED and out.getpixel((20, 5)) == RED
    assert out.getpixel((9, 5)) == RED and out.getpixel((10, 5)) == WHITE  # the tile at x = -10 is clipped


# --- image watermark and its pre-processing ----------------------------------------------------

def test_watermark_p_scales_the_mark_with_the_main_image():
    resources = {"mark.png": mark_png((100, 50))}
    key = "mark.png?x-oss-process=image/resize,P_10"
    small = watermarked(image_mark(key, g="nw", x=0, y=0), png((400, 200)), resources)
    large = watermarked(image_mark(key, g="nw", x=0, y=0), png((800, 400)), resources)
    assert changed_box(small) == (0, 0, 40, 20)
    assert changed_box(large) == (0, 0, 80, 40)


def test_watermark_p_fits_inside_both_axes_so_the_tighter_one_drives_unconfirmed():
    resources = {"mark.png": mark_png((100, 50))}
    key = "mark.png?x-oss-process=image/resize,P_10"
    assert changed_box(watermarked(image_mark(key, g="nw", x=0, y=0), png((400, 400)), resources)) == (0, 0, 40, 20)
    assert changed_box(watermarked(image_mark(key, g="nw", x=0, y=0), png((1000, 200)), resources)) == (0, 0, 40, 20)


def test_watermark_preprocessing_crops_and_rotates_the_mark():
    resources = {"mark.png": mark_png((100, 50))}
    cropped = watermarked(image_mark("mark.png?x-oss-process=image/crop,w_30,h_20", g="nw", x=0, y=0), png(),
                          resources)
    turned = watermarked(image_mark("mark.png?x-oss-process=image/crop,w_30,h_20/rotate,90", g="nw", x=0, y=0),
                         png(), resources)
    assert changed_box(cropped) == (0, 0, 30, 20)
    assert changed_box(turned) == (0, 0, 20, 30)


def test_watermark_preprocessing_may_be_percent_encoded():
    key = "mark.png?x-oss-process=image%2Fcrop%2Cw_30%2Ch_20"
    out = watermarked(image_mark(key, g="nw", x=0, y=0), png(), {"mark.png": mark_png((100, 50))})
    assert changed_box(out) == (0, 0, 30, 20)


def test_watermark_image_key_is_read_from_the_resources():
    chain = parse_process(image_mark("logos/a.png") + f"/watermark,text_{HELLO}", OSS)
    assert needed_objects(chain) == ("logos/a.png",)
    assert needed_objects(parse_process(f"image/watermark,text_{HELLO}", OSS)) == ()
    twice = image_mark("a.png") + "/" + image_mark("a.png").removeprefix("image/")
    assert needed_objects(parse_process(twice, OSS)) == ("a.png",)


def test_watermark_text_and_image_side_by_side_follow_order_and_interval():
    resources = {"mark.png": mark_png((20, 40))}
    text = f"text_{b64('图')},size_20,g_nw,x_0,y_0"
    image_first = watermarked(f"{image_mark()},{text}", png(), resources)
    text_first = watermarked(f"{image_mark()},{text},order_1", png(), resources)
    spaced = watermarked(f"{image_mark()},{text},order_1,interval_30", png(), resources)
    red_left = [_red_box(image)[0] for image in (image_first, text_first, spaced)]
    assert red_left[0] == 0
    assert red_left[1] > 10  # the text comes first
    assert red_left[2] == red_left[1] + 30


def test_watermark_align_places_the_text_at_the_top_middle_or_bottom_of_the_image():
    resources = {"mark.png": mark_png((20, 60))}
    tops = []
    for align in (0, 1, 2):
        out = watermarked(f"{image_mark()},text_{b64('图')},size_20,g_nw,x_0,y_0,align_{align}", png(), resources)
        text_only = out.crop((20, 0, 200, 100))
        tops.append(changed_box(text_only)[1])
    assert tops[0] < 5 and 15 < tops[1] < 30 and tops[2] > 35


def _red_box(image: Image.Image):
    red, green, _ = image.convert("RGB").split()
    return ImageChops.subtract(red, green).point(lambda value: 255 if value > 150 else 0).getbbox()


# --- animation ---------------------------------------------------------------------------------

def test_watermark_marks_every_frame_of_a_gif_and_keeps_its_timing(animated_gif, durations):
    out = watermarked(image_mark(g="nw", x=0, y=0), animated_gif, {"mark.png": mark_png()})
    assert out.n_frames == 6
    assert durations(out) == [40, 50, 60, 70, 80, 90]
    for index in range(6):
        out.seek(index)
        frame = out.convert("RGB")
        assert frame.getpixel((5, 5)) == RED
        assert frame.getpixel((60, 40)) != RED


# --- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "code", "ec"), [
    ("", "MissingArgument", "0040-00000278"),
    ("g_se", "MissingArgument", "0040-00000278"),
    ("text_notbase64", "InvalidArgument", "0040-00000257"),
    ("text_", "InvalidArgument", "0040-00000258"),
    (f"text_{b64('a' * 65)}", "InvalidArgument", "0040-00000259"),
    (f"text_{HELLO},type_notbase64", "InvalidArgument", "0040-00000250"),
    (f"text_{HELLO},type_{b64('notsupport')}", "InvalidArgument", "0040-00000251"),
    (f"text_{HELLO},color_AABBCCDD", "InvalidArgument", "0040-00000254"),
    (f"text_{HELLO},shadow_101", "InvalidArgument", "0040-00000255"),
    (f"text_{HELLO},size_0", "InvalidArgument", "0040-00000256"),
    (f"text_{HELLO},size_1001", "InvalidArgument", "0040-00000256"),
    (f"text_{HELLO},g_xx", "InvalidArgument", "0040-00000260"),
    (f"text_{HELLO},x_8000", "InvalidArgument", "0040-00000262"),
    (f"text_{HELLO},t_200", "InvalidArgument", "0040-00000263"),
    (f"text_{HELLO},y_8000", "InvalidArgument", "0040-00000264"),
    ("image_notbase64", "InvalidArgument", "0040-00000265"),
    (f"text_{HELLO},voffset_2000", "InvalidArgument", "0040-00000268"),
    (f"text_{HELLO},order_2", "InvalidArgument", "0040-00000269"),
    (f"text_{HELLO},interval_2000", "InvalidArgument", "0040-00000270"),
    (f"text_{HELLO},align_3", "InvalidArgument", "0040-00000271"),
    (f"text_{HELLO},rotate_361", "InvalidArgument", "0040-00000272"),
    (f"text_{HELLO},fill_2", "InvalidArgument", "0040-00000274"),
    (f"text_{HELLO},fill_1,padx_5000", "InvalidArgument", "0040-00000276"),
    (f"image_{b64('a.png?x-oss-process=image/resize,w_10/watermark,text_SGk')}", "InvalidArgument",
     "0040-00000373"),
    (f"image_{b64('a.png?x-oss-process=image/info')}", "InvalidArgument", "0040-00000374"),
])
def test_watermark_invalid_arguments_answer_their_ec(args, code, ec):
    err = failure(f"image/watermark,{args}".rstrip(","))
    assert (err.status, err.code, err.ec) == (400, code, ec)


def test_watermark_pady_out_of_range_shares_padx_ec_unconfirmed():
    err = failure(f"image/watermark,text_{HELLO},fill_1,pady_5000")
    assert (err.status, err.code, err.ec) == (400, "InvalidArgument", "0040-00000276")


@pytest.mark.parametrize("key", [
    "a.png?x-oss-process=image/blur,r_3,s_2",  # not one of resize, crop, rotate, indexcrop
    "a.png?x-oss-process=image/resize,P_30,w_10",  # P stands alone
    "a.png?x-oss-process=image/resize,P_101",
    "a.png?x-oss-process=video/snapshot,t_1",
    "a.png?x-oss-process=image/",
])
def test_watermark_preprocessing_outside_the_allowed_steps_is_invalid(key):
    err = failure(f"image/watermark,image_{b64(key)}")
    assert (err.status, err.code) == (400, "InvalidArgument")


def test_watermark_preprocessing_errors_of_an_allowed_action_keep_its_ec():
    err = failure(f"image/watermark,image_{b64('a.png?x-oss-process=image/resize,w_0')}")
    assert (err.status, err.ec) == (400, "0040-00000312")


def test_watermark_missing_object_answers_400_with_ec_25_unconfirmed():
    err = failure(image_mark("absent.png"), png(), {})
    assert (err.status, err.code, err.ec) == (400, "InvalidArgument", "0040-00000025")
    assert "absent.png" in err.message


@pytest.mark.parametrize("data", [
    b"not an image at all",
    encoded(Image.new("RGB", (8, 8)), "gif"),  # GIF is not a watermark format (image §4.3)
])
def test_watermark_object_in_an_unsupported_format_answers_ec_27(data):
    err = failure(image_mark(), png(), {"mark.png": data})
    assert (err.status, err.code, err.ec) == (400, "InvalidArgument", "0040-00000027")


def test_watermark_at_most_three_image_watermarks_per_image():
    four = "image/" + "/".join(image_mark(f"{n}.png").removeprefix("image/") for n in range(4))
    with pytest.raises(OssError) as info:
        needed_objects(parse_process(four, OSS))
    assert (info.value.status, info.value.code) == (400, "InvalidArgument")


# --- canonical form ----------------------------------------------------------------------------

def test_watermark_canonical_form_is_url_safe_base64_without_defaults():
    chain = parse_process(
        "image/watermark,text_SGVsbG8g5Zu+54mH5pyN5YqhIQ==,type_d3F5LXplbmhlaQ==,g_se,t_100,"
        f"image_{b64('a.png')}=",
        OSS,
    )
    assert chain.canonical() == f"image/watermark,image_{b64('a.png')},text_{HELLO}"
    assert parse_process(chain.canonical(), OSS).canonical() == chain.canonical()


def test_watermark_result_is_encoded_in_the_source_format():
    assert watermarked(f"image/watermark,text_{HELLO}", png()).format == "PNG"
