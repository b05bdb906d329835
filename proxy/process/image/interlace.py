"""image/interlace (image §4.6): 1 writes a progressive JPG, 0 a baseline one; other formats ignore it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from proxy.limits import Limits
from proxy.process.image.state import ImageState, encode_only


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    return replace(state, progressive=args[""] == 1)


hint = encode_only  # the decode hint: what the runner may skip before decoding
