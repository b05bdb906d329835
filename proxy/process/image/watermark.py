"""image/watermark (image §4.3): a text mark, an image mark, or both side by side, on every frame.

The mark is built once (watermark_text, watermark_image), faded by `t`, then placed through the
3x3 gravity grid with x/y as margins from the edges, or tiled over the whole image with `fill_1`.

Decisions on the points OSS leaves open:
- `voffset` > 0 moves a middle-row mark (west, center, east) up from the middle line, < 0 down [U];
- `fill_1` tiles on a grid anchored where g/x/y/voffset would put a single mark, one mark width +
  `padx` across and one mark height + `pady` down; padx and pady default to 0 [U], and pady answers
  padx's EC 0040-00000276 [U];
- a mark reaching past the image is clipped, one wholly outside leaves the image as it was [U];
- every frame of an animation is marked and keeps its duration [U, recommended];
- a grey image marked in colour becomes a colour image; LA becomes RGBA then;
- an unknown font answers 400 InvalidArgument with EC 0040-00000251 ([U, recommended];
  the EC is from OSS's EC pages, as are 0040-00000250/257/258/259/260/262).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PIL import Image, ImageChops

from proxy.grammar.params import (
    decode_b64,
)
from proxy.limits import Limits
from proxy.process.image.codec import check_output
from proxy.process.image.gravity import anchor
from proxy.process.image.state import ImageState, Size
from proxy.process.image.watermark_image import load_mark
from proxy.process.image.watermark_text import draw_text

MIDDLE_ROW = frozenset({"west", "center", "east"})


def position(gravity: str, image: Size, mark: Size, x: int, y: int, voffset: int) -> tuple[int, int]:
    """Top-left corner of a `mark`: the gravity anchor in the image inset by x/y on every side, which
    leaves the middle column and row centred; voffset then lifts the middle row."""
    left, top = anchor(gravity, (image[0] - 2 * x, image[1] - 2 * y), mark)
    if gravity in MIDDLE_ROW:
        top -= voffset
    return left + x, top + y


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    """Build the mark once and stamp it (or its tiling) on every frame."""
    mark = _faded(_mark(state, args, limits), args["t"])
    origin = position(args["g"], state.size, mark.size, args["x"], args["y"], args["voffset"])
    if args["fill"]:
        mark, origin = _tiled(mark, state.size, origin, (args["padx"], args["pady"])), (0, 0)
    grey = state.frames[0].mode in ("L", "LA") and _is_grey(mark)
    return state.map_frames(partial(_stamp, mark=mark, origin=origin, grey=grey))


def _mark(state: ImageState, args: dict[str, Any], limits: Limits) -> Image.Image:
    """The image mark, the text mark, or both side by side (image first unless order_1)."""
    parts = []
    if args["image"] is not None:
        parts.append(load_mark(args["image"], state.resources, state.size, limits))
    if args["text"] is not None:
        parts.append(draw_text(
            decode_b64(args["text"]), decode_b64(args["type"]), args["size"], args["color"],
            args["shadow"], args["rotate"], limits,
        ))
    if args["order"] == 1:
        parts.reverse()
    if len(parts) == 1:
        return parts[0]
    return _side_by_side(parts[0], parts[1], args["align"], args["interval"], limits)


def _side_by_side(first: Image.Image, second: Image.Image, align: int, interval: int,
                  limits: Limits) -> Image.Image:
    """`first`, a gap of `interval` px, then `second`, aligned at the top, middle or bottom."""
    size = (first.width + interval + second.width, max(first.height, second.height))
    check_output(size, limits)
    canvas = Image.new("RGBA", size, (0, 0, 0, 0))
    for part, left in ((first, 0), (second, first.width + interval)):
        canvas.paste(part, (left, (0, (size[1] - part.height) // 2, size[1] - part.height)[align]))
    return canvas


def _faded(mark: Image.Image, opacity: int) -> Image.Image:
    if opacity == 100:
        return mark
    faded = mark.copy()
    faded.putalpha(mark.getchannel("A").point(lambda alpha: (alpha * opacity + 50) // 100))
    return faded


def _tiled(mark: Image.Image, size: Size, origin: tuple[int, int], pad: Size) -> Image.Image:
    """`mark` repeated over an image of `size`, one copy at `origin`: one strip, pasted row by row."""
    step_x, step_y = mark.width + pad[0], mark.height + pad[1]
    first_x, first_y = -(-origin[0] % step_x), -(-origin[1] % step_y)
    strip = Image.new("RGBA", (size[0] - first_x, mark.height), (0, 0, 0, 0))
    for left in range(0, strip.width, step_x):
        strip.paste(mark, (left, 0))
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    for top in range(first_y, size[1], step_y):
        layer.paste(strip, (first_x, top))
    return layer


def _is_grey(mark: Image.Image) -> bool:
    red, green, blue, _ = mark.split()
    return ImageChops.difference(red, green).getbbox() is None and ImageChops.difference(green, blue).getbbox() is None


def _stamp(frame: Image.Image, *, mark: Image.Image, origin: tuple[int, int], grey: bool) -> Image.Image:
    """`mark` composited over a copy of `frame` at `origin`, clipped to the frame."""
    left, top = origin
    visible = (
        max(0, -left), max(0, -top), min(mark.width, frame.width - left), min(mark.height, frame.height - top),
    )
    if visible[0] >= visible[2] or visible[1] >= visible[3]:
        return frame
    part, dest = mark.crop(visible), (left + visible[0], top + visible[1])
    if frame.mode in ("LA", "RGBA"):
        out = frame.convert("RGBA")
        out.alpha_composite(part, dest)
        return out.convert("LA") if frame.mode == "LA" and grey else out
    mode = "L" if frame.mode == "L" and grey else "RGB"
    out = frame.convert(mode)
    out.paste(part.convert(mode), dest, part.getchannel("A"))
    return out


