"""doc/watermark (media §2.2): the text mark chained after doc/preview, drawn over every page with CSS.

`text_` and `type_` are parsed exactly as image/watermark's (URL-safe Base64, OSS's font names).
Defaults [U]: light grey `C0C0C0` at `t_60`, `size_20` (CSS px), tilted `rotate_315` (45° up).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from proxy.limits import Limits
from proxy.process.doc.document import DocState, Watermark
from proxy.process.image import watermark as image_watermark
from proxy.process.params import Param, check_required, decode_b64, hex_color, int_param
from proxy.process.registry import ActionSpec


def _image_param(key: str) -> Param:
    param = image_watermark.SPEC.param(key)
    assert param is not None, f"image/watermark has no {key}_"
    return param


def apply(state: DocState, args: dict[str, Any], limits: Limits) -> DocState:
    """Remember the mark; the preview that precedes it draws it when the page is built."""
    mark = Watermark(
        decode_b64(args["text"]), decode_b64(args["type"]), args["size"], args["color"], args["t"], args["rotate"],
    )
    return replace(state, watermark=mark)


SPEC = ActionSpec(
    "doc", "watermark",
    (
        _image_param("text"),
        _image_param("type"),
        Param("color", hex_color, "six hex digits RRGGBB", image_watermark.EC_COLOR, default="C0C0C0"),
        int_param("size", 1, 1000, image_watermark.EC_SIZE, default=20),
        int_param("t", 0, 100, image_watermark.EC_T, default=60),
        int_param("rotate", 0, 360, image_watermark.EC_ROTATE, default=315),
    ),
    apply,
    check=lambda values: check_required("watermark", values, ("text",), image_watermark.EC_NOTHING),
    signed_only=True,
)
