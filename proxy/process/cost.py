"""What a job will cost, told before it runs from the chain and the source's header, to choose its lane.

The unit is pixels x passes x image actions. A pass is a frame of an animation, or for a progressive
JPEG ten scans (what a standard progressive script has): repeated scans each walk the whole image.
Documents, video and audio are heavy outright (LibreOffice, FFmpeg). Reading the header costs tens of µs;
only GIFs and progressive JPEGs are scanned for their frame or scan markers (about 1 ms per MB).
"""

from __future__ import annotations

import io
import sys

from PIL import Image

from proxy.process.grammar import Chain

HEAVY = sys.maxsize
"""The cost of a job that is heavy whatever its size."""
LIGHT_CATEGORIES = frozenset({"image"})
_SCANS_PER_PASS = 10
_SOS = b"\xff\xda"  # never inside entropy-coded data, where 0xFF is followed by 0x00 or a restart marker
_GIF_IMAGE = b"\x00,"  # every image descriptor but the first follows a block terminator


def job_cost(chain: Chain, source: bytes) -> int:
    """An estimate of the work of running `chain` on `source`, comparable to `limits.heavy_cost`."""
    if any(step.category not in LIGHT_CATEGORIES for step in chain.steps):
        return HEAVY
    actions = sum(len(step.actions) for step in chain.steps)
    return pixel_passes(source) * max(1, actions)


def pixel_passes(source: bytes) -> int:
    """Pixels x passes as the header tells; 0 for what is no image or has an unreadable header (the
    worker answers 400 at once)."""
    try:
        return _pixel_passes(source)
    except Exception:  # an estimate must not fail the request: libavif raises RuntimeError, GIFs IndexError…
        return 0


def _pixel_passes(source: bytes) -> int:
    image = Image.open(io.BytesIO(source))
    width, height = image.size
    if image.format == "JPEG" and image.info.get("progressive"):
        passes = max(1, source.count(_SOS) // _SCANS_PER_PASS)
    elif image.format == "GIF":
        passes = source.count(_GIF_IMAGE) + 1  # an upper bound: image data may hold the two bytes too
    elif image.format in ("PNG", "WEBP"):
        passes = int(getattr(image, "n_frames", 1))  # from the acTL chunk / libwebp's demuxer: no scan
    else:
        passes = 1
    return width * height * passes
