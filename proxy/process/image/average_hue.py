"""image/average-hue (image §4.15): the image's mean colour as `{"RGB": "0xrrggbb"}` (lower-case hex).

The statistic is not published [U]: the arithmetic mean of the decoded sRGB pixels, as recommended
(image §4.15), rounded half up. Decisions of ours:
- pixels count by their alpha (a transparent pixel not at all), so a logo on a transparent canvas
  gives the logo's colour; a fully transparent image falls back to the plain mean of its colours;
- an animation gives its first frame's colour;
- it may follow other actions (`crop,.../average-hue`), and the chain ends with it;
- no decode hint: a DCT-reduced JPEG decode shifts the mean by 1-2 levels.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PIL import Image, ImageStat

from proxy.limits import Limits
from proxy.process import jsonbody
from proxy.process.image.state import ImageState


def mean_colour(frame: Image.Image) -> tuple[int, int, int]:
    """Alpha-weighted mean (R, G, B) of `frame`, each rounded half up."""
    if frame.mode in ("LA", "RGBA"):
        alpha = ImageStat.Stat(frame.getchannel("A")).sum[0]
        if alpha:
            # Premultiplied channels sum c·a/255, so their total over Σa/255 is the weighted mean.
            sums = ImageStat.Stat(frame.convert("RGBA").convert("RGBa")).sum
            return _rounded(255 * total / alpha for total in sums[:3])
        frame = frame.convert(frame.mode[:-1])
    return _rounded(ImageStat.Stat(frame.convert("RGB")).mean)


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    red, green, blue = mean_colour(state.frame())
    return replace(state, output=jsonbody.output({"RGB": f"0x{red:02x}{green:02x}{blue:02x}"}))


def _rounded(values: Any) -> tuple[int, int, int]:
    red, green, blue = (int(value + 0.5) for value in values)
    return red, green, blue
