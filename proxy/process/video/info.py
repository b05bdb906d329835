"""video/info (media §3.2): the source's container and streams as IMM DetectMediaMeta JSON."""

from __future__ import annotations

from typing import Any

from proxy.limits import Limits
from proxy.process.media.meta import detect_media_meta
from proxy.process.output import Output


def apply(data: bytes, args: dict[str, Any], limits: Limits) -> Output:
    return detect_media_meta(data, limits)
