"""doc/watermark (media §2.2): the text mark chained after doc/preview, drawn over every page with CSS.

`text_` and `type_` are parsed exactly as image/watermark's (URL-safe Base64, OSS's font names).
Defaults [U]: light grey `C0C0C0` at `t_60`, `size_20` (CSS px), tilted `rotate_315` (45° up).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from proxy.grammar.params import decode_b64
from proxy.limits import Limits
from proxy.process.doc.document import DocState, Watermark


def apply(state: DocState, args: dict[str, Any], limits: Limits) -> DocState:
    """Remember the mark; the preview that precedes it draws it when the page is built."""
    mark = Watermark(
        decode_b64(args["text"]), decode_b64(args["type"]), args["size"], args["color"], args["t"], args["rotate"],
    )
    return replace(state, watermark=mark)
