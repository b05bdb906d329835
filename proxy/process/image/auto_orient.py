"""image/auto-orient (image §4.8): 1 turns the pixels upright per the EXIF Orientation tag; 0 keeps them.

Decisions on the points OSS leaves open:
- nothing is oriented unless asked: no implicit auto-orient when the action is absent [U];
- after orienting, the Orientation tag is removed from the EXIF the output carries, so viewers do
  not turn the image a second time (`ImageOps.exif_transpose` does the same);
- a bare `auto-orient` answers MissingArgument with the documented EC [U];
- EXIF the decoder dropped (unreadable, or over one JPEG APP1 segment) leaves nothing to apply.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PIL import Image

from proxy.limits import Limits
from proxy.process.image.codec import DECODE_ERRORS
from proxy.process.image.state import ImageState

ORIENTATION = 0x0112
# EXIF Orientation → the transpose that makes the stored pixels upright (as in ImageOps.exif_transpose).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    if args[""] == 0 or not state.exif:
        return state
    exif = Image.Exif()
    try:
        exif.load(state.exif)
        method = UPRIGHT.get(exif.get(ORIENTATION, 1))
        exif.pop(ORIENTATION, None)
        rewritten = exif.tobytes() if exif else None
    except DECODE_ERRORS:  # metadata that cannot be read or rewritten is dropped, the pixels kept as stored
        return replace(state, exif=None)
    upright = state if method is None else state.map_frames(lambda frame: frame.transpose(method))
    return replace(upright, exif=rewritten)
