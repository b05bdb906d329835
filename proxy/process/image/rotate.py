"""image/rotate (image §4.7): rotate clockwise by 0-360 degrees; other than right angles the canvas grows.

Decisions on the points OSS leaves open:
- the new corners are transparent in the state: white for JPG output, transparent for formats with
  alpha (decided at encode time, so a later `format` counts) [U, recommended];
- right angles are exact transposes; other angles resample bicubically about the centre onto the
  smallest canvas holding the whole image, checked against the output limits before allocating;
- no 4096x4096 source limit (an older page's) [U]; an animation becomes its first frame, also for
  0 and 360 [D: "rotate on an animated GIF yields a static GIF"].
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

from PIL import Image

from proxy.limits import Limits
from proxy.process.image.codec import check_output
from proxy.process.image.state import ImageState, Size

# Pillow's ROTATE_* turn counter-clockwise; OSS turns clockwise.
RIGHT_ANGLES = {
    90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90,
}
_WITH_ALPHA = {"L": "LA", "RGB": "RGBA"}
_EPSILON = 1e-9  # cos/sin of e.g. 90° are not exactly 0, 1: do not let that add a pixel


def rotated_size(size: Size, angle: int) -> Size:
    """The smallest canvas holding a `size` image turned by `angle` degrees."""
    theta = math.radians(angle)
    cos, sin = abs(math.cos(theta)), abs(math.sin(theta))
    width, height = size
    return (
        max(1, math.ceil(width * cos + height * sin - _EPSILON)),
        max(1, math.ceil(width * sin + height * cos - _EPSILON)),
    )


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    angle = args[""] % 360
    if state.animated:
        state = state.first_frame()
    if angle == 0:
        return state
    if angle in RIGHT_ANGLES:
        return state.map_frames(lambda frame: frame.transpose(RIGHT_ANGLES[angle]))
    size = rotated_size(state.size, angle)
    check_output(size, limits)
    return state.map_frames(partial(_turn, angle=angle, size=size))


def _turn(frame: Image.Image, *, angle: int, size: Size) -> Image.Image:
    """Rotate about the centre onto a `size` canvas; uncovered corners are transparent."""
    frame = frame.convert(_WITH_ALPHA.get(frame.mode, frame.mode))
    theta = math.radians(angle)
    cos, sin = math.cos(theta), math.sin(theta)
    (cx, cy), (ox, oy) = (frame.width / 2, frame.height / 2), (size[0] / 2, size[1] / 2)
    # Output (u, v) → source (cx + (u-ox)·cos + (v-oy)·sin, cy - (u-ox)·sin + (v-oy)·cos).
    matrix = (cos, sin, cx - ox * cos - oy * sin, -sin, cos, cy + ox * sin - oy * cos)
    return frame.transform(
        size, Image.Transform.AFFINE, matrix, Image.Resampling.BICUBIC, fillcolor=(0,) * len(frame.mode),
    )
