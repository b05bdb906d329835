"""Cutting shapes out of a frame through its alpha channel (circle: image §4.9, rounded-corners: image §4.10).

The cut-away area becomes transparent in the state; the encoder then flattens it onto white for
JPG output and keeps it transparent where the format has alpha, so a later `format` decides the fill.
"""

from __future__ import annotations

import math

from PIL import Image, ImageChops, ImageDraw

from proxy.process.image.state import Size

# Corner arcs are drawn this many times larger and averaged down, for smooth edges; the factor
# shrinks for big radii so the oversampled corner stays within _MAX_OVERSAMPLED_SIDE (16 M px).
OVERSAMPLE = 4
_MAX_OVERSAMPLED_SIDE = 4096


def rounded_mask(size: Size, radius: float) -> Image.Image:
    """An L mask of `size`: 255 inside the rectangle whose corners are rounded by `radius` px, which lies in
    [0.5, half the shorter side] and may end in a half pixel (a circle of odd diameter d has radius d/2)."""
    width, height = size
    mask = Image.new("L", size, 255)
    side = math.ceil(radius)
    corner = _corner(side, radius)  # drawn once: the other corners are its mirror images
    mask.paste(corner, (0, 0))
    mask.paste(corner.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (width - side, 0))
    mask.paste(corner.transpose(Image.Transpose.FLIP_TOP_BOTTOM), (0, height - side))
    mask.paste(corner.transpose(Image.Transpose.ROTATE_180), (width - side, height - side))
    return mask


def cut_out(frame: Image.Image, mask: Image.Image) -> Image.Image:
    """`frame` made transparent where `mask` is 0 (keeping any transparency it already had)."""
    has_alpha = frame.mode in ("LA", "RGBA")
    frame = frame.copy()  # putalpha works in place (and turns L into LA, RGB into RGBA)
    frame.putalpha(ImageChops.multiply(frame.getchannel("A"), mask) if has_alpha else mask)
    return frame


def _corner(side: int, radius: float) -> Image.Image:
    """The top-left `side`x`side` corner: the quarter disc centred at (radius, radius)."""
    scale = max(1, min(OVERSAMPLE, _MAX_OVERSAMPLED_SIDE // side))
    big = Image.new("L", (side * scale, side * scale), 0)
    diameter = round(2 * radius * scale)  # 2·radius is whole, so this is exact
    ImageDraw.Draw(big).ellipse((0, 0, diameter - 1, diameter - 1), fill=255)
    return big.reduce(scale) if scale > 1 else big
