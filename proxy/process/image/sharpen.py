"""image/sharpen (image §4.13): an unsharp mask whose strength is the value, 50 … 399 (100 recommended).

The filter is not published [U]: the value is the unsharp-mask amount in percent over a 1 px
Gaussian, threshold 0, so 100 adds the detail layer once and 399 almost four times. Alpha is left
untouched; OSS documents no error code for sharpen, so a bad value has none.
"""

from __future__ import annotations

from typing import Any

from PIL import Image, ImageFilter

from proxy.limits import Limits
from proxy.process.image.state import ImageState

RADIUS = 1.0


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    mask = ImageFilter.UnsharpMask(radius=RADIUS, percent=args[""], threshold=0)
    return state.map_frames(lambda frame: _colour_only(frame, mask))


def _colour_only(frame: Image.Image, mask: ImageFilter.Filter) -> Image.Image:
    if frame.mode not in ("LA", "RGBA"):
        return frame.filter(mask)
    sharpened = frame.convert(frame.mode[:-1]).filter(mask)
    sharpened.putalpha(frame.getchannel("A"))
    return sharpened
