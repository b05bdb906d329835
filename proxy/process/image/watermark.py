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

from collections.abc import Mapping
from functools import partial
from typing import Any

from PIL import Image, ImageChops

from proxy.errors import OssError
from proxy.limits import Limits
from proxy.process.image import fonts
from proxy.process.image.codec import check_output
from proxy.process.image.gravity import GRAVITIES, anchor
from proxy.process.image.state import ImageState, Size
from proxy.process.image.watermark_image import MarkSource, load_mark, parse_mark
from proxy.process.image.watermark_text import render_text
from proxy.process.params import (
    Param,
    check_required,
    choice_param,
    decode_b64,
    encode_b64,
    hex_color,
    int_param,
    invalid,
)
from proxy.process.registry import ActionSpec

EC_TYPE_BASE64 = "0040-00000250"
EC_TYPE_UNKNOWN = "0040-00000251"
EC_COLOR = "0040-00000254"
EC_SHADOW = "0040-00000255"
EC_SIZE = "0040-00000256"
EC_TEXT_BASE64 = "0040-00000257"
EC_TEXT_EMPTY = "0040-00000258"
EC_TEXT_LONG = "0040-00000259"
EC_GRAVITY = "0040-00000260"
EC_X = "0040-00000262"
EC_T = "0040-00000263"
EC_Y = "0040-00000264"
EC_IMAGE = "0040-00000265"
EC_VOFFSET = "0040-00000268"
EC_ORDER = "0040-00000269"
EC_INTERVAL = "0040-00000270"
EC_ALIGN = "0040-00000271"
EC_ROTATE = "0040-00000272"
EC_FILL = "0040-00000274"
EC_PAD = "0040-00000276"
EC_NOTHING = "0040-00000278"
MAX_TEXT = 64
MAX_MARGIN = 4096
MIDDLE_ROW = frozenset({"west", "center", "east"})


def position(gravity: str, image: Size, mark: Size, x: int, y: int, voffset: int) -> tuple[int, int]:
    """Top-left corner of a `mark`: the gravity anchor in the image inset by x/y on every side, which
    leaves the middle column and row centred; voffset then lifts the middle row."""
    left, top = anchor(gravity, (image[0] - 2 * x, image[1] - 2 * y), mark)
    if gravity in MIDDLE_ROW:
        top -= voffset
    return left + x, top + y


def mark_keys(values: Mapping[str, Any]) -> tuple[str, ...]:
    """The `needs` hook: an image watermark reads one more object of the bucket."""
    source = values.get("image")
    return (source.key,) if isinstance(source, MarkSource) else ()


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
        parts.append(render_text(
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


def _text(value: str) -> str:
    """`text_`: Base64 of 1 to 64 characters, kept as URL-safe Base64 for the canonical chain."""
    text = decode_b64(value)
    if not text:
        raise invalid("watermark", "text_ is empty.", EC_TEXT_EMPTY)
    if len(text) > MAX_TEXT:
        raise invalid("watermark", f"text_ has {len(text)} characters; at most {MAX_TEXT} are allowed.", EC_TEXT_LONG)
    return encode_b64(text)


def _font(value: str) -> str:
    """`type_`: Base64 of one of OSS's font names."""
    name = decode_b64(value)
    if name not in fonts.FONTS:
        raise OssError(
            400, "InvalidArgument",
            f"The font {name!r} is not supported; use one of " + ", ".join(fonts.FONTS) + ".",
            EC_TYPE_UNKNOWN, {"ArgumentName": "type", "ArgumentValue": value},
        )
    return encode_b64(name)


def _check(values: dict[str, Any]) -> None:
    check_required("watermark", values, ("text", "image"), EC_NOTHING)


SPEC = ActionSpec(
    "image", "watermark",
    (
        Param("text", _text, f"URL-safe Base64 of 1 to {MAX_TEXT} characters", EC_TEXT_BASE64),
        Param("type", _font, "URL-safe Base64 of a font name", EC_TYPE_BASE64, default=encode_b64(fonts.DEFAULT)),
        Param("color", hex_color, "six hex digits RRGGBB", EC_COLOR, default="000000"),
        int_param("size", 1, 1000, EC_SIZE, default=40),
        int_param("shadow", 0, 100, EC_SHADOW, default=0),
        int_param("rotate", 0, 360, EC_ROTATE, default=0),
        Param("image", parse_mark, "URL-safe Base64 of an object key", EC_IMAGE),
        int_param("t", 0, 100, EC_T, default=100),
        choice_param("g", GRAVITIES, EC_GRAVITY, default="se"),
        int_param("x", 0, MAX_MARGIN, EC_X, default=10),
        int_param("y", 0, MAX_MARGIN, EC_Y, default=10),
        int_param("voffset", -1000, 1000, EC_VOFFSET, default=0),
        int_param("fill", 0, 1, EC_FILL, default=0),
        int_param("padx", 0, MAX_MARGIN, EC_PAD, default=0),
        int_param("pady", 0, MAX_MARGIN, EC_PAD, default=0),
        int_param("order", 0, 1, EC_ORDER, default=0),
        int_param("align", 0, 2, EC_ALIGN, default=0),  # top, middle, bottom
        int_param("interval", 0, 1000, EC_INTERVAL, default=0),
    ),
    apply,
    check=_check,
    needs=mark_keys,
)
