"""The text mark of `watermark` (image §4.3): glyphs in one colour, an optional shadow, then a rotation.

Decisions on the points OSS leaves open:
- the shadow is black, offset down and right by 5 % of the font size (at least 1 px), with `shadow`
  as its opacity in percent [U];
- the mark is the tight box of the inked glyphs, so margins are measured from the ink, not from
  the font's line height [U].
"""

from __future__ import annotations

import math
import unicodedata

from PIL import Image, ImageColor, ImageDraw

from proxy.limits import Limits
from proxy.process.image import fonts
from proxy.process.image.codec import check_output

_SHADOW_OFFSET = 0.05


def draw_text(
    text: str, font_name: str, size: int, color: str, shadow: int, rotate: int, limits: Limits,
) -> Image.Image:
    """An RGBA image of `text`: colour `color` (RRGGBB) where inked, transparent elsewhere."""
    coverage = _coverage(text, font_name, size, limits)
    mark = _solid(coverage, ImageColor.getrgb("#" + color))
    if shadow:
        offset = max(1, round(size * _SHADOW_OFFSET))
        padded = Image.new("L", (coverage.width + offset, coverage.height + offset))
        padded.paste(coverage.point(lambda alpha: alpha * shadow // 100), (offset, offset))
        under = _solid(padded, (0, 0, 0))
        under.alpha_composite(mark)
        mark = under
    if rotate % 360:
        # Pillow turns counter-clockwise; OSS turns the text clockwise.
        mark = mark.rotate(-rotate, Image.Resampling.BICUBIC, expand=True)
    return mark


def _coverage(text: str, font_name: str, size: int, limits: Limits) -> Image.Image:
    """The glyphs' anti-aliased coverage (mode L) cropped to their ink, fonts mixed on one baseline."""
    # OSS draws one line; Pillow would start a new line at a line break.
    text = "".join(" " if unicodedata.category(char) == "Cc" else char for char in text)
    placed, pen = [], 0.0
    for piece, font in fonts.runs(text, font_name, size):
        placed.append((pen, piece, font))
        pen += font.getlength(piece)
    boxes = [_shifted(font.getbbox(piece, anchor="ls"), pen) for pen, piece, font in placed]
    left, top = min(box[0] for box in boxes), min(box[1] for box in boxes)
    right, bottom = max(box[2] for box in boxes), max(box[3] for box in boxes)
    box_size = (max(1, math.ceil(right - left)), max(1, math.ceil(bottom - top)))
    check_output(box_size, limits)
    coverage = Image.new("L", box_size)
    draw = ImageDraw.Draw(coverage)
    for pen, piece, font in placed:
        draw.text((pen - left, -top), piece, fill=255, font=font, anchor="ls")
    # The font's box includes side bearings; the mark is the ink alone (blank text: one clear pixel).
    return coverage.crop(coverage.getbbox() or (0, 0, 1, 1))


def _shifted(box: tuple[float, float, float, float], dx: float) -> tuple[float, float, float, float]:
    return box[0] + dx, box[1], box[2] + dx, box[3]


def _solid(alpha: Image.Image, rgb: tuple[int, ...]) -> Image.Image:
    """One colour everywhere, `alpha` as its opacity: resampling it later cannot darken edges."""
    image = Image.new("RGBA", alpha.size, (*rgb[:3], 0))
    image.putalpha(alpha)
    return image
