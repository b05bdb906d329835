"""image/rounded-corners (image §4.10): round the four corners; the image keeps its size.

Decisions on the points OSS leaves open:
- r is clamped to half the shorter side (a half pixel for an odd side) [D];
- cut-away corners are transparent in the state: white for JPG output, transparent for formats
  with alpha (decided at encode time, so a later `format` counts) [D];
- a GIF source ("not supported" [D]) answers 400 NotImplemented rather than an unrounded image,
  so a client is not left guessing why nothing happened [U]; a missing r answers MissingArgument
  with the documented EC of r [U].
"""

from __future__ import annotations

from functools import partial
from typing import Any

from proxy.errors import not_implemented
from proxy.limits import Limits
from proxy.process.image.mask import cut_out, rounded_mask
from proxy.process.image.state import ImageState, Size


def corner_radius(size: Size, radius: int) -> float:
    """`radius` clamped to the largest inscribed circle: half the shorter side."""
    return min(float(radius), min(size) / 2)


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    if state.source_format == "gif":
        raise not_implemented("rounded-corners cannot be applied to GIF images.")
    mask = rounded_mask(state.size, corner_radius(state.size, args["r"]))
    return state.map_frames(partial(cut_out, mask=mask))
