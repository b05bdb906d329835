"""The document a doc/ step works on, and its PDF form, converted once per source content.

Converted PDFs are kept in a small LRU inside each worker process and in a folder all workers share
(`shared_pdfs`), keyed by the SHA-256 of the source bytes and the type they were read as, so
snapshotting page 2 after page 1 converts once, whichever worker gets each request (the front's result
cache is a separate layer).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pypdfium2 as pdfium
from cachetools import LRUCache

from proxy.errors import invalid_argument
from proxy.limits import MB, Limits
from proxy.process.doc import office, pdf, shared_pdfs
from proxy.process.output import Output

CACHE_BYTES = 64 * MB
_converted: LRUCache[tuple[str, str], bytes] = LRUCache(maxsize=CACHE_BYTES, getsizeof=len)


@dataclass(frozen=True)
class Watermark:
    """A text mark drawn over every page of a preview."""

    text: str
    font: str
    size: int
    color: str
    opacity: int
    rotate: int


@dataclass(frozen=True)
class DocState:
    """The source, the pages `convert,pages_` selected (1-based, inclusive), and what the step produces."""

    source: bytes
    source_type: str
    first: int = 1
    last: int | None = None
    finish: Callable[[DocState, Limits], Output] | None = None
    watermark: Watermark | None = None


@dataclass(frozen=True)
class OpenDocument:
    """The PDF, open, and the 0-based indices of the selected pages."""

    pdf: pdfium.PdfDocument
    data: bytes
    indices: range

    def index(self, page: int) -> int:
        """The 0-based index of selected page `page` (1-based); 400 naming the page count past the end."""
        if page > len(self.indices):
            raise invalid_argument(
                f"page_{page} is past the last page: the document has {len(self.indices)} page"
                + ("" if len(self.indices) == 1 else "s") + (" selected" if self.selected else "") + ".",
                ArgumentName="page", ArgumentValue=str(page),
            )
        return self.indices[page - 1]

    @property
    def selected(self) -> bool:
        return len(self.indices) != len(self.pdf)


def as_pdf(data: bytes, source_type: str, limits: Limits) -> bytes:
    """The document as PDF: itself for a PDF, else LibreOffice's conversion, cached by content."""
    if source_type == "pdf":
        return data
    key = (hashlib.sha256(data).hexdigest(), source_type)
    converted = _converted.get(key)
    if converted is None:
        name = f"{key[0]}.{source_type}.pdf"
        converted = shared_pdfs.load(name)
        if converted is None:
            converted = office.convert_to_pdf(data, source_type, limits)
            shared_pdfs.store(name, converted)
        if len(converted) <= CACHE_BYTES // 4:
            _converted[key] = converted
    return converted


@contextmanager
def opened(state: DocState, limits: Limits) -> Iterator[OpenDocument]:
    """The state's document as an open PDF with its selected pages; 400 if the selection starts past the end."""
    data = as_pdf(state.source, state.source_type, limits)
    with pdf.open_pdf(data, limits) as document:
        count = len(document)
        if state.first > count:
            raise invalid_argument(
                f"pages_ starts at page {state.first}, past the last page: the document has {count} "
                + ("page." if count == 1 else "pages."),
                ArgumentName="pages", ArgumentValue=str(state.first),
            )
        last = count if state.last is None else min(state.last, count)
        yield OpenDocument(document, data, range(state.first - 1, last))
