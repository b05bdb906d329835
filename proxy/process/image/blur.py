"""image/blur (image §4.12): Gaussian blur, `r_` the kernel radius and `s_` its standard deviation, 1-50 each.

How r and s combine is not published [U]. A Gaussian of deviation s cut off at r pixels (ImageMagick's
`-blur RxS`) is a kernel whose own deviation is `effective_sigma(r, s)`; Pillow's fast GaussianBlur is
run with that deviation. It grows with both r and s, so larger always means blurrier, and a small r
caps the blur however large s is (r_1 is about a 3-pixel average). Alpha is blurred premultiplied, so
transparent pixels lend no colour to the edge.
"""

from __future__ import annotations

import math
from typing import Any

from PIL import Image, ImageFilter

from proxy.limits import Limits
from proxy.process.image.state import ImageState

_PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}


def effective_sigma(r: int, s: int) -> float:
    """The standard deviation of a Gaussian kernel of deviation `s` truncated to [-r, r]."""
    offsets = range(-r, r + 1)
    weights = [math.exp(-(i * i) / (2 * s * s)) for i in offsets]
    return math.sqrt(sum(w * i * i for w, i in zip(weights, offsets, strict=True)) / sum(weights))


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    blur = ImageFilter.GaussianBlur(effective_sigma(args["r"], args["s"]))
    return state.map_frames(lambda frame: _blur(frame, blur))


def _blur(frame: Image.Image, blur: ImageFilter.Filter) -> Image.Image:
    premultiplied = _PREMULTIPLIED.get(frame.mode)
    if premultiplied is None:
        return frame.filter(blur)
    return frame.convert(premultiplied).filter(blur).convert(frame.mode)
