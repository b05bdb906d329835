"""OSS watermark fonts (image §4.3): every name maps to an installed face that draws Chinese as glyphs."""

import pytest
from PIL import ImageChops

from proxy.errors import OssError
from proxy.grammar.fonts import DEFAULT, FONTS
from proxy.limits import Limits
from proxy.process.image import fonts
from proxy.process.image.watermark_text import draw_text

OSS_FONTS = {
    "wqy-zenhei": "d3F5LXplbmhlaQ", "wqy-microhei": "d3F5LW1pY3JvaGVp",
    "fangzhengshusong": "ZmFuZ3poZW5nc2h1c29uZw", "fangzhengkaiti": "ZmFuZ3poZW5na2FpdGk",
    "fangzhengheiti": "ZmFuZ3poZW5naGVpdGk", "fangzhengfangsong": "ZmFuZ3poZW5nZmFuZ3Nvbmc",
    "droidsansfallback": "ZHJvaWRzYW5zZmFsbGJhY2s",
}
NOT_A_CHARACTER = "\U0010ffff"


def bitmap(name: str, char: str, size: int = 40):
    mask = fonts.font(name, size).getmask(char)
    return mask.size, bytes(mask)


def inked(image) -> int:
    """Pixels at least half covered."""
    return sum(count for count, alpha in image.getchannel("A").getcolors(256) if alpha >= 128)


def test_fonts_table_has_every_oss_font_name():
    assert set(FONTS) == set(OSS_FONTS)
    assert DEFAULT == "wqy-zenhei"


@pytest.mark.parametrize("name", OSS_FONTS)
def test_fonts_every_name_loads_its_installed_face(name):
    assert fonts.font(name, 24).getname()[0] == FONTS[name].family


@pytest.mark.parametrize("name", OSS_FONTS)
def test_fonts_chinese_renders_as_distinct_glyphs_not_boxes(name):
    missing = bitmap(name, NOT_A_CHARACTER)
    glyphs = [bitmap(name, char) for char in "图片服务"]
    assert missing not in glyphs
    assert len(set(glyphs)) == 4
    text = draw_text("图片服务", name, 40, "000000", 0, 0, Limits())
    boxes = draw_text(NOT_A_CHARACTER * 4, name, 40, "000000", 0, 0, Limits())
    assert text.tobytes() != boxes.tobytes()
    assert inked(text) > 4 * 100  # a 40 px CJK glyph inks far more than 100 px


def test_fonts_droid_fallback_draws_latin_with_the_fallback_face():
    # Droid Sans Fallback has CJK only: its Latin letters would be missing-glyph boxes.
    assert not fonts.has_glyph("droidsansfallback", "H")
    assert fonts.has_glyph("droidsansfallback", "图")
    assert [piece for piece, _ in fonts.runs("Hi 图片!", "droidsansfallback", 20)] == ["Hi", " 图片", "!"]
    latin = draw_text("Hello", "droidsansfallback", 30, "000000", 0, 0, Limits())
    assert latin.tobytes() == draw_text("Hello", fonts.FALLBACK, 30, "000000", 0, 0, Limits()).tobytes()


def test_fonts_different_names_give_different_shapes():
    shapes = {bitmap(name, "图") for name in ("wqy-zenhei", "fangzhengshusong", "fangzhengkaiti", "fangzhengheiti")}
    assert len(shapes) == 4


def test_fonts_rendered_text_has_the_colour_everywhere_and_ink_as_alpha():
    mark = draw_text("图片", "wqy-zenhei", 30, "12AB34", 0, 0, Limits())
    red, green, blue, _ = mark.split()
    assert {red.getextrema(), green.getextrema(), blue.getextrema()} == {(0x12, 0x12), (0xAB, 0xAB), (0x34, 0x34)}
    assert ImageChops.invert(mark.getchannel("A")).getextrema()[0] == 0  # some pixels fully inked


def test_fonts_missing_file_is_a_server_error_naming_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "FONT_ROOT", tmp_path)
    fonts.font.cache_clear()
    try:
        with pytest.raises(OssError) as info:
            fonts.font("fangzhengkaiti", 33)
    finally:
        fonts.font.cache_clear()
    assert (info.value.status, info.value.code) == (500, "InternalError")
    assert "fonts-arphic-ukai" in info.value.message
