"""doc/convert (media §2.3), offered synchronously: the document as PDF, as text, or its first page as an image.

OSS runs it only asynchronously with sys/saveas; Osprey answers in the response body, so the chained
form `doc/convert,target_jpg,source_docx/snapshot,target_jpg,source_docx,page_2` yields page 2.

Decisions on the points OSS leaves open:
- `pages_<n>`, `pages_<first>-<last>` or `pages_<first>-` select pages [U]; a later snapshot or preview
  counts pages within the selection; a `last` past the end stops at the end, a `first` past it is 400;
- text pages are separated by a form feed (`\\f`), as pdftotext does [U];
- `target` is required (OSS's conversion API requires it too).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial
from typing import Any

from proxy.limits import Limits
from proxy.process.doc import pdf, snapshot
from proxy.process.doc.document import DocState, opened
from proxy.process.doc.source import SOURCE
from proxy.process.params import Param, check_required, choice_param
from proxy.process.registry import ActionSpec, Output

TARGETS = ("pdf", "txt", *snapshot.IMAGE_FORMATS)
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


def page_range(pages: str) -> tuple[int, int | None]:
    """A normalised `pages_` value as (first, last), last None for "to the end"."""
    first, dash, last = pages.partition("-")
    if not dash:
        return int(first), int(first)
    return int(first), int(last) if last else None


def apply(state: DocState, args: dict[str, Any], limits: Limits) -> DocState:
    """Select the pages, and end the step with the target rendition unless a later action replaces it."""
    first, last = page_range(args["pages"]) if args["pages"] is not None else (1, None)
    target = args["target"]
    if target in snapshot.IMAGE_FORMATS:
        render = partial(snapshot.render_page, page=1, target=target)
    else:
        render = partial(_render_document, target=target)
    return replace(state, first=first, last=last, render=render)


def _render_document(state: DocState, limits: Limits, *, target: str) -> Output:
    with opened(state, limits) as document:
        if target == "txt":
            text = "\f".join(pdf.page_text(document.pdf, index) for index in document.indices)
            return Output(text.encode("utf-8"), "text/plain; charset=utf-8")
        body = pdf.subset(document.pdf, document.indices) if document.selected else document.data
        return Output(body, "application/pdf")


SPEC = ActionSpec(
    "doc", "convert",
    (
        choice_param("target", TARGETS),
        SOURCE,
        Param("pages", parse_pages, "a page n, a range first-last, or first- (to the end)"),
    ),
    apply,
    check=lambda values: check_required("convert", values, ("target",), None),
    signed_only=True,
)
