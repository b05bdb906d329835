"""image/interlace (image §4.6): progressive or baseline JPG."""

import pytest
from PIL import Image


def test_interlace_1_writes_a_progressive_jpg(render, encode):
    out = render("image/format,jpg/interlace,1", encode(Image.new("RGB", (32, 32)), "png"))
    assert out.format == "JPEG"
    assert out.info.get("progressive") == 1


def test_interlace_0_writes_a_baseline_jpg(render, example_jpg):
    assert "progressive" not in render("image/interlace,0", example_jpg).info
    assert "progressive" not in render("image/interlace,1/interlace,0", example_jpg).info


def test_interlace_is_ignored_for_png(render, encode):
    out = render("image/interlace,1", encode(Image.new("RGB", (8, 8)), "png"))
    assert out.format == "PNG"


@pytest.mark.parametrize(("process", "code", "ec"), [
    ("image/interlace,2", "InvalidArgument", None),
    ("image/interlace", "MissingArgument", None),
    ("image/interlace,1,0", "BadRequest", "0040-00000203"),
])
def test_interlace_rejects_bad_values(fails, process, code, ec):
    error = fails(process)
    assert (error.status, error.code, error.ec) == (400, code, ec)
