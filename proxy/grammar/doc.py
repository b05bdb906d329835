"""The doc/ catalogue (media §2): office files and PDFs; every action is signed-only (media §1)."""

from __future__ import annotations

import re
from typing import Any

from proxy.grammar import image
from proxy.grammar.catalogue import ActionSpec
from proxy.grammar.doc_source import SOURCE
from proxy.grammar.params import Param, choice_param, hex_color, int_param

ENGINES = "proxy.process.doc"
SNAPSHOT_TARGETS = ("jpg", "png")
CONVERT_TARGETS = ("pdf", "txt", *SNAPSHOT_TARGETS)
MAX_PAGE = 2_000
_PAGES = re.compile(r"(\d{1,4})(?:(-)(\d{1,4})?)?")


def parse_pages(text: str) -> str:
    """`n`, `first-last` or `first-`, 1-based, normalised (`02-3` → `2-3`)."""
    match = _PAGES.fullmatch(text)
    if match is None:
        raise ValueError(text)
    first, dash, last = match.groups()
    if int(first) < 1 or (last is not None and int(last) < int(first)):
        raise ValueError(text)
    return f"{int(first)}" + (dash or "") + (f"{int(last)}" if last is not None else "")


def _spec(name: str, params: tuple[Param, ...], **kwargs: Any) -> ActionSpec:
    return ActionSpec("doc", name, params, f"{ENGINES}.{name}", signed_only=True, **kwargs)


SNAPSHOT = _spec(
    "snapshot",
    (
        choice_param("target", SNAPSHOT_TARGETS, default="jpg"),
        SOURCE,
        int_param("page", 1, MAX_PAGE, default=1),
    ),
)
CONVERT = _spec(
    "convert",
    (
        choice_param("target", CONVERT_TARGETS, required=True),
        SOURCE,
        Param("pages", parse_pages, "a page n, a range first-last, or first- (to the end)"),
    ),
)
PREVIEW = _spec(
    "preview",
    (
        SOURCE,
        int_param("copy", 0, 1, default=1),
        int_param("print", 0, 1, default=1),
        int_param("export", 0, 1, default=1),
    ),
)
WATERMARK = _spec(
    "watermark",
    (
        image.WATERMARK_TEXT,
        image.WATERMARK_FONT,
        Param("color", hex_color, "six hex digits RRGGBB", image.EC_WATERMARK_COLOR, default="C0C0C0"),
        int_param("size", 1, 1000, image.EC_WATERMARK_SIZE, default=20),
        int_param("t", 0, 100, image.EC_WATERMARK_T, default=60),
        int_param("rotate", 0, 360, image.EC_WATERMARK_ROTATE, default=315),
    ),
    # A missing text answers image/watermark's "nothing to draw" EC, not the text's own.
    one_of=("text",), one_of_ec=image.EC_WATERMARK_NOTHING,
)

DOC = (SNAPSHOT, CONVERT, PREVIEW, WATERMARK)
# Online editing needs Alibaba's WebOffice (media §2.2).
UNSUPPORTED = frozenset({"edit"})
