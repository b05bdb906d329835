"""image/indexcrop (image §4.11): cut the image into strips and keep strip `i`.

Decisions on the points OSS leaves open:
- `i` past the last strip returns the source unmodified in pixels, re-encoded like any output [D];
- a strip size larger than the image makes one strip, the whole image [U];
- x, y and i share the one documented EC (0040-00000224, for `y_abc`) [U]; x or y is required
  (MissingArgument, same EC) [U]; a malformed x is rejected even when y is valid.
"""

from __future__ import annotations

from typing import Any

from proxy.limits import Limits
from proxy.process.image.crop import Box, cut
from proxy.process.image.state import ImageState, Size


def piece_box(source: Size, x: int | None, y: int | None, index: int) -> Box | None:
    """Strip `index` of `source` cut every `y` px down (y wins) or every `x` px across; None past the end."""
    width, height = source
    if y is not None:
        top = index * y
        return (0, top, width, min(top + y, height)) if top < height else None
    assert x is not None, "the grammar lets only x or y through (one_of)"
    left = index * x
    return (left, 0, min(left + x, width), height) if left < width else None


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    box = piece_box(state.size, args["x"], args["y"], args["i"])
    return state if box is None else cut(state, box)
