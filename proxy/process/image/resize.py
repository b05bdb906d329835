"""image/resize (image §4.1): five modes over a target box given by w/h, l/s or p, never enlarging by default.

Decisions on the points OSS leaves open:
- one of w/h (or of l/s) with `fill`/`pad` makes a square box; the other modes follow the ratio [U];
- `p` with w/h (or l/s) multiplies them [U]; `p` alone scales both sides, whatever the mode;
- `limit_1` (default, and always for a GIF source) returns the source unchanged when the resampled
  image would be larger than the source on either side: the covering image for `fill`, the fitted one
  for `pad` (whose canvas may still be larger), the stretched one for `fixed` [U];
- `pad` fills with `color`, opaque, also when the image has alpha [U];
- `p` on an animation keeps only its first frame (image §3); w/h/l/s resize every frame.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from PIL import Image, ImageColor

from proxy.limits import Limits
from proxy.process.image.codec import check_output_frames
from proxy.process.image.state import ImageState, Size

# Pillow first shrinks by an integer factor (`reduce`) to within 3x of the target, then applies
# Lanczos: indistinguishable from a full Lanczos and much faster on large shrinks.
REDUCING_GAP = 3.0
# A grey image padded with a colour becomes a colour image.
_GREY_TO_RGB = {"L": "RGB", "LA": "RGBA"}

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Geometry:
    """How a source becomes the result, in the source's logical pixels: `region` resampled to `size`, placed at
    `offset` on a `canvas` (`fill` crops through `region`; `pad` has a canvas larger than `size`)."""

    size: Size
    region: Box
    canvas: Size
    offset: Size = (0, 0)

    @classmethod
    def whole(cls, size: Size, source: Size | None = None) -> Geometry:
        """All of `source` (default: `size` itself) resampled to `size`."""
        width, height = source or size
        return cls(size, (0, 0, width, height), size)


def geometry_of(source: Size, args: Mapping[str, Any], *, enlarge: bool) -> Geometry:
    """The geometry of `resize` with resolved `args` on a `source` of that size (image §4.1)."""
    mode, box = _mode_and_box(source, args)
    width, height = source
    if mode == "fill":
        cover = _fit(source, box, cover=True)
        if not enlarge and _larger(cover, source):
            return Geometry.whole(source)
        left, top = (cover[0] - box[0]) // 2, (cover[1] - box[1]) // 2
        region = (
            left * width / cover[0], top * height / cover[1],
            (left + box[0]) * width / cover[0], (top + box[1]) * height / cover[1],
        )
        return Geometry(_exact(box), region, _exact(box))
    stretch = mode == "fixed" and None not in box
    size = _exact(box) if stretch else _fit(source, box, cover=mode == "mfit")
    if not enlarge and _larger(size, source):
        return Geometry.whole(source)
    if mode == "pad":
        canvas = _exact(box)
        offset = ((canvas[0] - size[0]) // 2, (canvas[1] - size[1]) // 2)
        return Geometry(size, (0, 0, width, height), canvas, offset)
    return Geometry.whole(size, source)


def needed_size(args: Mapping[str, Any], source: Size) -> Size:
    """The smallest full-image size this resize can start from without losing detail (draft hint)."""
    geometry = geometry_of(source, args, enlarge=args["limit"] == 0)
    x0, y0, x1, y1 = geometry.region
    return (
        math.ceil(source[0] * geometry.size[0] / (x1 - x0)),
        math.ceil(source[1] * geometry.size[1] / (y1 - y0)),
    )


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    """Resample every frame (or return the state untouched when `limit` keeps the source)."""
    if args["p"] is not None and state.animated:
        state = state.first_frame()
    enlarge = args["limit"] == 0 and state.source_format != "gif"  # GIF is never enlarged (image §3)
    geometry = geometry_of(state.size, args, enlarge=enlarge)
    if geometry == Geometry.whole(state.size):
        return state
    check_output_frames(geometry.canvas, len(state.frames), limits)
    return state.map_frames(partial(_resample, geometry=geometry, logical=state.size, color=args["color"]))


def _mode_and_box(source: Size, args: Mapping[str, Any]) -> tuple[str, tuple[int | None, int | None]]:
    """The mode and target box; a side left None follows the source's aspect ratio."""
    mode, percent = args["m"], args["p"]
    if args["w"] is not None or args["h"] is not None:
        box = (args["w"], args["h"])
    elif args["l"] is not None or args["s"] is not None:
        landscape = source[0] >= source[1]
        box = (args["l"], args["s"]) if landscape else (args["s"], args["l"])
    else:  # p alone: every mode gives the source scaled by p%
        return "fixed", (_div_half_up(source[0] * percent, 100), _div_half_up(source[1] * percent, 100))
    if percent is not None:
        box = tuple(None if side is None else _div_half_up(side * percent, 100) for side in box)
    if mode in ("fill", "pad") and None in box:
        side = box[0] if box[1] is None else box[1]
        box = (side, side)
    return mode, box


def _fit(source: Size, box: tuple[int | None, int | None], *, cover: bool) -> Size:
    """lfit (largest inside the box) or mfit (smallest covering it), rounding half up."""
    (width, height), (box_w, box_h) = source, box
    if box_h is None:
        by_width = True
    elif box_w is None:
        by_width = False
    else:  # lfit scales by the smaller ratio, mfit by the larger
        by_width = box_w * height >= box_h * width if cover else box_w * height <= box_h * width
    if by_width:
        return box_w, _div_half_up(height * box_w, width)
    return _div_half_up(width * box_h, height), box_h


def _exact(box: tuple[int | None, int | None]) -> Size:
    width, height = box
    assert width is not None and height is not None, "fill, pad and fixed boxes have both sides"
    return width, height


def _larger(size: Size, source: Size) -> bool:
    return size[0] > source[0] or size[1] > source[1]


def _div_half_up(numerator: int, denominator: int) -> int:
    return max(1, (2 * numerator + denominator) // (2 * denominator))


def _resample(frame: Image.Image, *, geometry: Geometry, logical: Size, color: str) -> Image.Image:
    """Resample one frame; the region scales to the frame, which a JPEG draft decode may have shrunk."""
    fx, fy = frame.width / logical[0], frame.height / logical[1]
    x0, y0, x1, y1 = geometry.region
    resized = frame.resize(
        geometry.size, Image.Resampling.LANCZOS, box=(x0 * fx, y0 * fy, x1 * fx, y1 * fy),
        reducing_gap=REDUCING_GAP,
    )
    if geometry.canvas == geometry.size:
        return resized
    rgb = ImageColor.getrgb("#" + color)
    if resized.mode in _GREY_TO_RGB and len(set(rgb)) > 1:
        resized = resized.convert(_GREY_TO_RGB[resized.mode])
    canvas = Image.new(resized.mode, geometry.canvas, ImageColor.getcolor("#" + color, resized.mode))
    canvas.paste(resized, geometry.offset)
    return canvas


hint = needed_size  # the decode hint: what the runner may skip before decoding
