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
from proxy.process.doc.source import SOURCE
from proxy.process.params import choice_param, int_param
from proxy.process.registry import ActionSpec, Output

DPI = 150
MAX_PAGE = 2_000
IMAGE_FORMATS = {"jpg": ("JPEG", "image/jpeg"), "png": ("PNG", "image/png")}
JPEG_QUALITY = 90


def apply(state: DocState, args: dict[str, Any], limits: Limits) -> DocState:
    """The step now ends with this page as an image (a `convert` before it may have selected pages)."""
    return replace(state, render=partial(render_page, page=args["page"], target=args["target"]))


def render_page(state: DocState, limits: Limits, *, page: int, target: str) -> Output:
    """Selected page `page` (1-based) encoded as `target`."""
    with opened(state, limits) as document:
        image = pdf.render(document.pdf, document.index(page), pdf.fit_pixels(limits), DPI)
    return encode(image, target)


def encode(image: Image.Image, target: str) -> Output:
    """A rendered page as JPG or PNG bytes."""
    encoder, media_type = IMAGE_FORMATS[target]
    out = io.BytesIO()
    options = {"quality": JPEG_QUALITY} if encoder == "JPEG" else {}
    image.save(out, encoder, **options)
    return Output(out.getvalue(), media_type)


SPEC = ActionSpec(
    "doc", "snapshot",
    (
        choice_param("target", tuple(IMAGE_FORMATS), default="jpg"),
        SOURCE,
        int_param("page", 1, MAX_PAGE, default=1),
    ),
    apply,
    signed_only=True,
)
