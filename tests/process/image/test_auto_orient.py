"""image/auto-orient (image §4.8): EXIF orientation applied on request only, tag removed, order effects."""

import io

import pytest
from PIL import Image, ImageChops, ImageOps, ImageStat

ORIENTATION, MAKE = 0x0112, 0x010F
RED, BLUE = (255, 0, 0), (0, 0, 255)


def oriented_jpeg(encode, orientation: int | None, size=(60, 40)) -> bytes:
    """A blue JPEG with a red 16x16 block in the stored top-left corner, tagged `orientation`."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, 16, 16))
    exif = Image.Exif()
    exif[MAKE] = "Osprey"
    if orientation is not None:
        exif[ORIENTATION] = orientation
    return encode(image, "jpg", exif=exif, quality=95)


def color_at(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    return pytest.approx(image.convert("RGB").getpixel(xy), abs=24)


@pytest.mark.parametrize(("orientation", "size", "red_at"), [
    (6, (40, 60), (32, 8)),  # rotate 90° clockwise: stored top-left → top-right
    (7, (40, 60), (32, 52)),  # transverse: stored top-left → bottom-right
    (3, (60, 40), (52, 32)),  # 180°
    (2, (60, 40), (52, 8)),  # mirrored
])
def test_auto_orient_turns_the_pixels_upright(render, encode, orientation, size, red_at):
    out = render("image/auto-orient,1", oriented_jpeg(encode, orientation))
    assert out.size == size
    assert color_at(out, red_at) == RED
    assert color_at(out, (size[0] // 2, size[1] // 2)) == BLUE


def test_auto_orient_removes_the_tag_and_keeps_the_rest_of_the_exif(render, encode):
    out = render("image/auto-orient,1", oriented_jpeg(encode, 6))
    exif = out.getexif()
    assert ORIENTATION not in exif
    assert exif[MAKE] == "Osprey"


def test_auto_orient_0_keeps_the_stored_pixels_and_tag(render, encode):
    out = render("image/auto-orient,0", oriented_jpeg(encode, 6))
    assert out.size == (60, 40)
    assert color_at(out, (8, 8)) == RED
    assert out.getexif()[ORIENTATION] == 6


def test_auto_orient_is_not_implicit_unconfirmed(render, encode):
    out = render("image/resize,w_30", oriented_jpeg(encode, 6))
    assert out.size == (30, 20)
    assert out.getexif()[ORIENTATION] == 6


def test_auto_orient_without_exif_or_tag_changes_nothing(render, encode, halves_png):
    out = render("image/auto-orient,1", oriented_jpeg(encode, None))
    assert out.size == (60, 40)
    assert color_at(out, (8, 8)) == RED
    assert render("image/auto-orient,1", halves_png).getpixel((10, 50)) == RED


def test_auto_orient_after_resize_orients_the_resized_image(render, encode):
    # The legacy docs: f.jpg (424x333, Orientation 7) with resize,w_100 then auto-orient gives 79x100.
    source = oriented_jpeg(encode, 7, size=(424, 333))
    assert render("image/resize,w_100/auto-orient,1", source).size == (79, 100)
    assert render("image/resize,w_100/auto-orient,0", source).size == (100, 79)


def test_auto_orient_before_resize_resizes_the_upright_image(render, encode):
    source = oriented_jpeg(encode, 7, size=(424, 333))
    assert render("image/auto-orient,1/resize,w_100", source).size == (100, 127)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_auto_orient_matches_pillows_exif_transpose(render, encode, orientation):
    source = oriented_jpeg(encode, orientation)
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(source))).convert("RGB")
    out = render("image/auto-orient,1", source).convert("RGB")
    assert out.size == expected.size
    assert max(ImageStat.Stat(ImageChops.difference(out, expected)).mean) < 3


@pytest.mark.parametrize(("process", "code", "ec"), [
    ("image/auto-orient,abc", "InvalidArgument", "0040-00000215"),
    ("image/auto-orient,10", "InvalidArgument", "0040-00000215"),
    ("image/auto-orient,2", "InvalidArgument", "0040-00000215"),
    ("image/auto-orient,1,0", "BadRequest", "0040-00000203"),
])
def test_auto_orient_rejects_bad_values(fails, process, code, ec):
    error = fails(process)
    assert (error.status, error.code, error.ec) == (400, code, ec)


def test_auto_orient_without_a_value_is_missing_unconfirmed(fails):
    error = fails("image/auto-orient")
    assert (error.status, error.code, error.ec) == (400, "MissingArgument", "0040-00000215")
