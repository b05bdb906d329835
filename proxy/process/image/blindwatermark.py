"""image/blindwatermark (image §4.16): hide text in the image, readable by image/blindwatermark-decode.

`content` (URL-safe Base64 of 1 to 256 characters) is required, `s` (low, medium, high; default
low) trades invisibility for robustness, `q` (70-100, default 90) is the JPEG quality. The signal
and how it survives JPEG and resizing are in `blindmark`. Decisions on the open points:
- the output keeps the chain's format (OSS applies `q` only to JPG [D]); a JPEG is written at
  exactly `q`, whatever the source's own quality was, since a lower one would weaken the mark;
- both sides must be at least 200 px (OSS: "not for images below ~200 x 200") → 400 BadRequest;
  text longer than the image holds (UTF-8 bytes: 24 at 200 x 200, 38 at 600 x 400, 164 at
  1000 x 667, 442 at 1920 x 1080, 1 024 from 3000 x 2000) → 400 InvalidArgument naming the most;
- a flat image (pure black, white or any one tone; grey-level deviation under 2) → 400 BadRequest:
  the mark would show on it, and OSS refuses such images too;
- the result is checked by halving it and re-encoding at JPEG q70 in memory; when the text does not
  read back (small images at s_low, below ~280 px, or texts near the limit) → 400 BadRequest that
  suggests a higher `s`, rather than a mark that would not read;
- an animation keeps only its marked first frame; transparency is kept, the colours carry the mark;
- the marked image is one the action creates, so it obeys `limits.max_output_pixels` (16 777 216 by
  default) before any work: marking takes about 45 bytes of working memory per pixel [U: OSS's own
  bound is not documented];
- OSS's mark is IMM's and cannot be read here, nor ours by OSS; the same text in the same image
  gives the same bytes, so results cache.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from PIL import Image, ImageStat

from proxy.errors import bad_request
from proxy.grammar.params import decode_b64, invalid
from proxy.limits import Limits
from proxy.process.image import blindmark
from proxy.process.image.codec import check_output
from proxy.process.image.state import ImageState, Quality

MIN_SIDE = 200
MIN_DEVIATION = 2.0  # grey levels: below this an image is one flat tone


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    width, height = state.size
    check_output(state.size, limits)
    if min(width, height) < MIN_SIDE:
        raise bad_request(
            f"blindwatermark needs an image at least {MIN_SIDE} x {MIN_SIDE} px; this one is {width} x {height}."
        )
    state = state.with_frames([_marked(state.frame(), decode_b64(args["content"]), args["s"])])
    if state.target_format == "jpg":
        state = replace(state, quality=Quality(args["q"], relative=False), source_quality=None)
    return state


def _marked(frame: Image.Image, text: str, strength: str) -> Image.Image:
    """`frame` with `text` in its colours (alpha, if any, is kept as it was)."""
    if ImageStat.Stat(frame.convert("L")).stddev[0] < MIN_DEVIATION:
        raise bad_request("blindwatermark cannot hide a mark in a flat image (pure black, white or one tone).")
    alpha = frame.getchannel("A") if frame.mode in ("LA", "RGBA") else None
    colours = np.asarray(frame.convert(frame.mode[:-1]) if alpha else frame)
    try:
        pixels = blindmark.embed(colours, text, blindmark.STRENGTHS[strength])
    except blindmark.TooLong as error:
        raise invalid(
            "blindwatermark",
            f"content_ is {len(text.encode())} bytes of UTF-8; a {frame.width} x {frame.height} image holds at "
            f"most {error.capacity} (a larger image holds more).",
        ) from None
    if not blindmark.survives(pixels, text):
        raise bad_request(
            f"At s_{strength} this {frame.width} x {frame.height} image cannot carry a blind watermark of "
            f"{len(text.encode())} bytes that survives JPEG q70 at half size; use a higher s_, a shorter text or "
            "a larger image."
        )
    marked = Image.fromarray(pixels)
    if alpha:
        marked.putalpha(alpha)
    return marked
