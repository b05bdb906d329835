"""Decoded-size accounting: the memory a source costs once decoded, decided from its header.

A few kilobytes can claim gigabytes (a thousand-frame GIF, a WebP canvas far larger than its frames,
a progressive JPEG whose coefficients libjpeg keeps for the whole image), so the estimate is checked
against `limits.max_decoded_bytes` before any pixel is allocated, and again as frames are decoded
(a GIF's frames are counted as the one-byte palette frames they are held as, until a frame with a
palette of its own turns out to be RGBA).
"""

from __future__ import annotations

import math

from PIL import Image

from proxy.errors import image_too_large
from proxy.limits import Limits

EC_DECODE_TOO_LARGE = "0040-00000012"
RGBA_BYTES = 4
# Pillow stores these modes in fewer than four bytes per pixel; every other mode (RGB too) takes four.
_PACKED_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2}
_NORMAL_MODES = frozenset({"L", "LA", "RGB", "RGBA"})
# Canvases a decoder fills before Pillow copies the picture: libwebp's animation decoder keeps the
# canvas and the previous one and hands Pillow a copy; libheif and libavif decode into their own buffer.
_DECODER_CANVASES = {"webp": 3, "heic": 1, "avif": 1}
# A progressive JPEG: libjpeg's coefficients, two bytes per sample of every component, for the whole image.
_COEFFICIENT_BYTES = 2
# An animation holds its frames plus the decoder's current and previous pictures.
_ANIMATION_EXTRA_FRAMES = 2
_PALETTE_ANIMATIONS = frozenset({"gif"})


def decoded_bytes(image: Image.Image, fmt: str, frames: int, full_size: tuple[int, int]) -> int:
    """What decoding `image` will hold at its peak: `image.size` is the size it decodes at (a JPEG
    draft's reduced one), `full_size` the header's."""
    width, height = image.size
    if frames > 1:
        per_frame = 1 if fmt in _PALETTE_ANIMATIONS else RGBA_BYTES
        held = width * height * (per_frame * frames + RGBA_BYTES * _ANIMATION_EXTRA_FRAMES)
    else:
        held = width * height * _PACKED_BYTES.get(image.mode, RGBA_BYTES)
        if image.mode not in _NORMAL_MODES:  # normalising makes a second, four-byte copy
            held += width * height * RGBA_BYTES
    held += width * height * RGBA_BYTES * _DECODER_CANVASES.get(fmt, 0)
    if fmt == "jpg" and image.info.get("progressive"):
        held += math.ceil(full_size[0] * full_size[1] * _samples_per_pixel(image) * _COEFFICIENT_BYTES)
    return held


def _samples_per_pixel(image: Image.Image) -> float:
    """A JPEG's samples per pixel over its components, subsampled ones counted at their share (4:2:0: 1.5)."""
    components = getattr(image, "layer", None) or [(0, 1, 1, 0)] * len(image.getbands())
    widest = max(horizontal for _, horizontal, _, _ in components) or 1
    tallest = max(vertical for _, _, vertical, _ in components) or 1
    return sum(horizontal * vertical for _, horizontal, vertical, _ in components) / (widest * tallest)


def check_decoded(held: int, limits: Limits, what: str = "Decoding the source image") -> None:
    """400 ImageTooLarge when decoding (or `what` else) would hold more than `limits.max_decoded_bytes`."""
    check_bytes(held, limits.max_decoded_bytes, what)


def check_bytes(held: int, allowed: int, what: str) -> None:
    """`check_decoded` against a budget already read from the limits (an `ImageState` carries it)."""
    if held > allowed:
        raise image_too_large(
            f"{what} would take {held} bytes of memory; at most "
            f"{allowed} are allowed (limits.max_decoded_bytes).", EC_DECODE_TOO_LARGE,
        )


def frame_bytes(frame: Image.Image) -> int:
    """The bytes one decoded frame holds, as Pillow stores its mode."""
    return frame.width * frame.height * _PACKED_BYTES.get(frame.mode, RGBA_BYTES)
