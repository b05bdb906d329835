"""image/crop (image §4.2): cut a rectangle given by w/h, x/y and an optional gravity anchor.

Decisions on the points OSS leaves open:
- with `g`, x and y are added to the anchor (also for the right/bottom anchors), then the
  rectangle is clipped to the image [U]; w/h larger than the image count as the whole side first,
  so an anchor never falls outside the image;
- `w_0`/`h_0` mean "to the edge", like an absent w/h [U];
- w/h/x/y that are not non-negative integers answer InvalidArgument, and a start outside the image
  BadRequest with the documented message, both without an EC (none is documented);
- an animation is cropped frame by frame, keeping every frame's duration [U].
"""

from __future__ import annotations

from typing import Any

from proxy.errors import bad_request
from proxy.limits import Limits
from proxy.process.image.gravity import anchor
from proxy.process.image.state import ImageState, Size

OUT_OF_IMAGE = "Advance cut's position is out of image."

Box = tuple[int, int, int, int]


def crop_box(source: Size, w: int, h: int, x: int, y: int, g: str | None) -> Box:
    """The (left, top, right, bottom) rectangle cut from a `source` image (0 for w/h: to the edge); 400 BadRequest
    when the start point falls outside the image."""
    width, height = source
    w = min(w or width, width)
    h = min(h or height, height)
    left, top = anchor(g, source, (w, h)) if g else (0, 0)
    left, top = left + x, top + y
    if left >= width or top >= height:
        raise bad_request(OUT_OF_IMAGE)
    return left, top, min(left + w, width), min(top + h, height)


def cut(state: ImageState, box: Box) -> ImageState:
    """Every frame cropped to `box`; the whole image comes back untouched (no copy)."""
    if box == (0, 0, *state.size):
        return state
    return state.map_frames(lambda frame: frame.crop(box))


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    return cut(state, crop_box(state.size, args["w"], args["h"], args["x"], args["y"], args["g"]))
