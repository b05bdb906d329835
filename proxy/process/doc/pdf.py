"""PDF pages with pypdfium2: open with limits, rasterize one page to fit a box, extract text, cut out pages.

Whatever PDFium fails on while the document is open (a page tree whose /Count lies, a page it cannot
load) is a 400, as a PDF it cannot open is. PDFium is not thread-safe; each worker process runs one
job at a time, so no lock is needed here.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import pypdfium2 as pdfium
from PIL import Image

from proxy.errors import bad_request, invalid_argument
from proxy.limits import Limits

POINTS_PER_INCH = 72
# A rendered page is PDFium's 4-byte bitmap plus Pillow's RGB copy (also 4 bytes a pixel).
RENDER_BYTES_PER_PIXEL = 8
MAX_TEXT_RUNS = 2_000  # per page, for a preview's text layer

# Box = (width, height) in pixels; a Rect is (left, bottom, right, top) in PDF points.
Box = tuple[int, int]
Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class TextRun:
    """A line of text and where it sits: `top` as a fraction of the page's height, the rest of its width."""

    text: str
    left: float
    top: float
    width: float
    size: float


@contextmanager
def open_pdf(data: bytes, limits: Limits) -> Iterator[pdfium.PdfDocument]:
    """The parsed PDF, closed afterwards; 400 when it is not a readable PDF or has too many pages, and
    when PDFium fails on it inside the block."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise bad_request(f"The document is not a readable PDF ({exc}).") from None
    try:
        if len(document) == 0:
            raise bad_request("The document has no pages.")
        if len(document) > limits.doc_max_pages:
            raise invalid_argument(
                f"The document has {len(document)} pages; at most {limits.doc_max_pages} are allowed "
                "(limits.doc_max_pages)."
            )
        yield document
    except pdfium.PdfiumError as exc:
        raise bad_request(f"The document is damaged: a page or its contents cannot be read ({exc}).") from None
    finally:
        document.close()


def rasterize(document: pdfium.PdfDocument, index: int, box: Box, dpi: int) -> Image.Image:
    """Page `index` (0-based) as RGB at `dpi`, or smaller so that it fits inside `box`."""
    page = document[index]
    try:
        width, height = page.get_size()
        if width <= 0 or height <= 0:
            raise bad_request(f"Page {index + 1} of the document has no area.")
        scale = min(dpi / POINTS_PER_INCH, box[0] / width, box[1] / height)
        bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255), may_draw_forms=True)
        return bitmap.to_pil().convert("RGB")
    finally:
        page.close()


def fit_pixels(limits: Limits) -> Box:
    """The largest box a rendered page may fill: OSS's output side limit, shrunk to the pixel limit
    and to the memory one job may decode into."""
    side = min(
        limits.max_output_side, math.isqrt(limits.max_output_pixels),
        math.isqrt(limits.max_decoded_bytes // RENDER_BYTES_PER_PIXEL),
    )
    return side, side


def page_text(document: pdfium.PdfDocument, index: int) -> str:
    """The text of page `index`, with `\\n` line ends."""
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            return textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
        finally:
            textpage.close()
    finally:
        page.close()


def text_runs(document: pdfium.PdfDocument, index: int) -> list[TextRun]:
    """The text of page `index` in positioned runs (PDFium's text rectangles), at most MAX_TEXT_RUNS; rotated and
    degenerate pages give none: their rectangles would not match the rendered image."""
    page = document[index]
    try:
        if page.get_rotation():
            return []
        left, bottom, right, top = page.get_bbox()
        width, height = right - left, top - bottom
        if width <= 0 or height <= 0:
            return []
        textpage = page.get_textpage()
        try:
            runs = []
            for number in range(min(textpage.count_rects(), MAX_TEXT_RUNS)):
                rect = textpage.get_rect(number)
                text = textpage.get_text_bounded(*rect).strip()
                if text:
                    runs.append(TextRun(
                        text, (rect[0] - left) / width, (top - rect[3]) / height,
                        (rect[2] - rect[0]) / width, (rect[3] - rect[1]) / width,
                    ))
            return runs
        finally:
            textpage.close()
    finally:
        page.close()


def subset(document: pdfium.PdfDocument, indices: Sequence[int]) -> bytes:
    """A new PDF holding only pages `indices` (0-based), in that order."""
    out = pdfium.PdfDocument.new()
    try:
        out.import_pages(document, list(indices))
        buffer = io.BytesIO()
        out.save(buffer)
        return buffer.getvalue()
    finally:
        out.close()
