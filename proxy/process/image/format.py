"""image/format (image §4.5): choose the output format; `gif` applies only to a GIF source; an HEIC image with
an alpha channel cannot become a JPG (400; OSS documents the refusal, not its error code [U])."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from proxy.errors import bad_request
from proxy.limits import Limits
from proxy.process.image.state import ImageState, encode_only


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    """Animations survive only into GIF and WebP (encode keeps the first frame for the rest)."""
    target = args[""]
    if target == "gif" and state.source_format != "gif":
        return state
    if target == "jpg" and state.source_format == "heic" and state.frames and state.frames[0].mode in ("LA", "RGBA"):
        raise bad_request("An HEIC image with an alpha channel cannot be converted to JPG; choose png or webp.")
    return replace(state, target_format=target)


hint = encode_only  # the decode hint: what the runner may skip before decoding
