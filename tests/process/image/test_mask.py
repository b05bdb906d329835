"""The shape masks circle and rounded-corners share: symmetric, anti-aliased, alpha-preserving."""

from PIL import Image, ImageChops

from proxy.process.image.mask import cut_out, rounded_mask


def _same(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a, b).getbbox() is None


def test_mask_is_symmetric_in_both_axes():
    mask = rounded_mask((41, 30), 12)
    assert _same(mask, mask.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    assert _same(mask, mask.transpose(Image.Transpose.FLIP_TOP_BOTTOM))


def test_mask_circle_of_odd_diameter_touches_every_edge_midpoint():
    mask = rounded_mask((21, 21), 10.5)
    assert mask.getpixel((0, 0)) == 0
    assert mask.getpixel((10, 10)) == 255
    assert [mask.getpixel(p) for p in ((10, 0), (0, 10), (20, 10), (10, 20))] == [255] * 4


def _partial_pixels(mask: Image.Image) -> int:
    return sum(mask.histogram()[1:255])


def test_mask_edges_are_anti_aliased():
    assert _partial_pixels(rounded_mask((101, 101), 50.5)) > 0


def test_mask_large_radius_is_drawn_with_less_oversampling():
    mask = rounded_mask((3000, 2000), 1000)
    assert mask.getpixel((0, 0)) == 0
    assert mask.getpixel((1500, 0)) == 255
    assert mask.getpixel((2999, 1999)) == 0
    assert _partial_pixels(mask.crop((0, 0, 1000, 1000))) > 0  # oversampled 2x, still smooth


def test_cut_out_adds_alpha_to_opaque_frames():
    mask = rounded_mask((10, 10), 5)
    assert cut_out(Image.new("RGB", (10, 10)), mask).mode == "RGBA"
    assert cut_out(Image.new("L", (10, 10)), mask).mode == "LA"


def test_cut_out_keeps_existing_transparency():
    frame = Image.new("RGBA", (10, 10), (255, 0, 0, 255))
    frame.putpixel((5, 5), (255, 0, 0, 0))
    out = cut_out(frame, rounded_mask((10, 10), 5))
    assert out.getpixel((5, 5))[3] == 0
    assert out.getpixel((5, 4))[3] == 255
    assert out.getpixel((0, 0))[3] == 0
    assert frame.getpixel((0, 0))[3] == 255  # the input frame is left alone
