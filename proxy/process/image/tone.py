"""Tone curves shared by bright and contrast: one lookup table over the colour bands, alpha untouched."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PIL import Image

from proxy.process.image.state import ImageState

Curve = Callable[[int], float]
_IDENTITY = list(range(256))


def apply_curve(state: ImageState, curve: Curve) -> ImageState:
    """Map every colour channel of every frame through `curve` (0-255 in, clipped to 0-255 out)."""
    lut = [min(255, max(0, int(curve(value) + 0.5))) for value in range(256)]
    return state.map_frames(partial(_point, lut=lut))


def _point(frame: Image.Image, lut: list[int]) -> Image.Image:
    return frame.point([v for band in frame.getbands() for v in (_IDENTITY if band == "A" else lut)])
