"""doc/snapshot (media §2.1): one page as a JPG or PNG image.

Decisions on the points OSS leaves open: `target` defaults to jpg [U]; a page past the last one answers
400 InvalidArgument naming the page count [U, recommended]; pages are rendered at
150 dpi (an A4 page is 1240x1754), smaller when that would exceed the output limits [U].
"""

from __future__ import annotations

import io
from dataclasses import replace
from functools import partial
from typing import Any

from PIL import Image

from proxy.limits import Limits
from proxy.process.doc import pdf
from proxy.process.doc.document import DocState, opened
from proxy.process.output import Output

DPI = 150
IMAGE_FORMATS = {"jpg": ("JPEG", "image/jpeg"), "png": ("PNG", "image/png")}
JPEG_QUALITY = 90


def apply(state: DocState, args: dict[str, Any], limits: Limits) -> DocState:
    """The step now ends with this page as an image (a `convert` before it may have selected pages)."""
    return replace(state, finish=partial(page_image, page=args["page"], target=args["target"]))


def page_image(state: DocState, limits: Limits, *, page: int, target: str) -> Output:
    """Selected page `page` (1-based) encoded as `target`."""
    with opened(state, limits) as document:
        image = pdf.rasterize(document.pdf, document.index(page), pdf.fit_pixels(limits), DPI)
    return encode(image, target)


def encode(image: Image.Image, target: str) -> Output:
    """A rendered page as JPG or PNG bytes."""
    encoder, media_type = IMAGE_FORMATS[target]
    out = io.BytesIO()
    options = {"quality": JPEG_QUALITY} if encoder == "JPEG" else {}
    image.save(out, encoder, **options)
    return Output(out.getvalue(), media_type)
