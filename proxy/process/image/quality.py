"""image/quality (image §4.4): `q_` scales the source's quality, `Q_` caps it; both given, `Q_` wins."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from proxy.limits import Limits
from proxy.process.image.state import ImageState, Quality, encode_only

# No quality action: a JPEG source keeps its own (estimated) quality, so a resize does not inflate
# the file; any other source is encoded at this quality ([U], image §4.4).
DEFAULT_QUALITY = 85
# A source that is not a JPEG counts as full quality: `q_90` and `Q_90` both give 90.
LOSSLESS_SOURCE_QUALITY = 100


def output_quality(state: ImageState) -> int:
    """The encoder quality for lossy output; for WebP `q_` behaves like `Q_` (image §4.4)."""
    request = state.quality
    if request is None:
        return state.source_quality or DEFAULT_QUALITY
    source = state.source_quality or LOSSLESS_SOURCE_QUALITY
    if request.relative and state.target_format != "webp":
        return max(1, (source * request.value + 50) // 100)
    return min(source, request.value)


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    """Record the request; the number is settled at encode time, once the target format is final."""
    absolute = args["Q"] is not None
    return replace(state, quality=Quality(args["Q"] if absolute else args["q"], relative=not absolute))


hint = encode_only  # the decode hint: what the runner may skip before decoding
