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

from dataclasses import replace
from functools import partial
from typing import Any

from proxy.limits import Limits
from proxy.process.doc import pdf, snapshot
from proxy.process.doc.document import DocState, opened
from proxy.process.output import Output


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
        finish = partial(snapshot.page_image, page=1, target=target)
    else:
        finish = partial(_converted, target=target)
    return replace(state, first=first, last=last, finish=finish)


def _converted(state: DocState, limits: Limits, *, target: str) -> Output:
    with opened(state, limits) as document:
        if target == "txt":
            text = "\f".join(pdf.page_text(document.pdf, index) for index in document.indices)
            return Output(text.encode("utf-8"), "text/plain; charset=utf-8")
        body = pdf.subset(document.pdf, document.indices) if document.selected else document.data
        return Output(body, "application/pdf")
