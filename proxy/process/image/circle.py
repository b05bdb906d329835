"""image/circle (image §4.9): keep the disc of radius r around the image centre, on a (2r+1)-px square.

Decisions on the points OSS leaves open:
- the output is the (2r+1)x(2r+1) square around the centre for every r, not only a clamped one [U];
- r is clamped to (shorter side - 1) / 2, rounded down, so the square always fits [D];
- outside the disc is transparent in the state: white for JPG output, transparent for formats
  with alpha (decided at encode time, so a later `format` counts) [D];
- a missing or malformed r answers without an EC (none is documented);
- an animation is cut frame by frame, keeping its timing [U].
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PIL import Image

from proxy.limits import Limits
from proxy.process.image.crop import Box
from proxy.process.image.mask import cut_out, rounded_mask
from proxy.process.image.state import ImageState, Size


def circle_box(source: Size, radius: int) -> Box:
    """The (2r+1)-px square around the centre pixel, with r clamped so it fits in `source`."""
    width, height = source
    radius = min(radius, (min(width, height) - 1) // 2)
    cx, cy = width // 2, height // 2
    return cx - radius, cy - radius, cx + radius + 1, cy + radius + 1


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    box = circle_box(state.size, args["r"])
    side = box[2] - box[0]
    mask = rounded_mask((side, side), side / 2)
    return state.map_frames(partial(_circle, box=box, mask=mask))


def _circle(frame: Image.Image, *, box: Box, mask: Image.Image) -> Image.Image:
    return cut_out(frame.crop(box), mask)
