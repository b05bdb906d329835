"""doc/preview (media §2.2): one self-contained HTML page that shows the rendered pages.

The gap to OSS: OSS answers with Alibaba's WebOffice, an interactive viewer running Alibaba's scripts
against Alibaba's servers (search, zoom, thumbnails, editing via doc/edit). Osprey cannot reproduce
it; it serves a static page instead: no scripts at all (its Content-Security-Policy also forbids any
script or fetch), at most `limits.doc_preview_pages` pages embedded as JPEG data: URIs (a note says
how many were left out), and a transparent text layer over each page so text can be selected and
found with the browser's own search.

`copy_`, `print_` and `export_` (seen in client code [C], default 1 [U]) are honoured as best effort,
since whoever receives the page holds its bytes:
- `copy_0`: no text layer, and `user-select: none`;
- `print_0`: `@media print { body { display: none } }`, so printing yields blank paper;
- `export_0`: the page images cannot be dragged out or saved from the context menu (pointer-events).
A chained `/watermark,text_...` is drawn over every page with CSS (a tiled SVG background image), on
screen and in print.
"""

from __future__ import annotations

import base64
import html
import io
import math
import unicodedata
import urllib.parse
from dataclasses import replace
from functools import partial
from typing import Any

from PIL import Image

from proxy.limits import Limits
from proxy.process.doc import pdf
from proxy.process.doc.document import DocState, Watermark, opened
from proxy.process.image import fonts
from proxy.process.output import Output

DPI = 150
PIXEL_WIDTH = 1240  # an A4 page at 150 dpi; wider pages are rendered down to this width
DISPLAY_WIDTH = 900
JPEG_QUALITY = 80
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

STYLE = """*{box-sizing:border-box}
html{background:#525659}
body{margin:0;font-family:sans-serif}
main{display:flex;flex-direction:column;align-items:center;gap:16px;padding:16px}
.page{position:relative;width:min(100%,%WIDTH%px);background:#fff;box-shadow:0 2px 8px rgba(0,0,0,.4);
container-type:inline-size;overflow:hidden}
.page img{display:block;width:100%;height:auto}
.text{position:absolute;inset:0;color:transparent;line-height:1;pointer-events:none}
.text span{position:absolute;white-space:pre;pointer-events:auto}
.text span::selection{background:rgba(0,90,255,.3)}
.mark{position:absolute;inset:0;pointer-events:none;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.note{color:#eee;font-size:14px}
@media print{html{background:none}main{padding:0;gap:0}.page{width:100%;box-shadow:none;break-after:page}
.note{display:none}}
"""
NO_COPY = "body{-webkit-user-select:none;user-select:none}\n"
NO_EXPORT = "img{pointer-events:none;-webkit-user-drag:none}\n"
NO_PRINT = "@media print{body{display:none}}\n"


def apply(state: DocState, args: dict[str, Any], limits: Limits) -> DocState:
    """The step now ends with the HTML page; a following doc/watermark adds its mark."""
    return replace(state, finish=partial(
        preview_page, copy=bool(args["copy"]), print_=bool(args["print"]), export=bool(args["export"]),
    ))


def preview_page(state: DocState, limits: Limits, *, copy: bool, print_: bool, export: bool) -> Output:
    """The preview page of the selected pages, at most `limits.doc_preview_pages` of them."""
    sections = []
    with opened(state, limits) as document:
        shown = document.indices[: limits.doc_preview_pages]
        for number, index in enumerate(shown, 1):
            image = pdf.rasterize(document.pdf, index, (PIXEL_WIDTH, pdf.fit_pixels(limits)[1]), DPI)
            runs = pdf.text_runs(document.pdf, index) if copy else []
            sections.append(_section(number, len(document.indices), image, runs, state.watermark is not None))
        total = len(document.indices)
    css = STYLE.replace("%WIDTH%", str(DISPLAY_WIDTH))
    css += ("" if copy else NO_COPY) + ("" if export else NO_EXPORT) + ("" if print_ else NO_PRINT)
    if state.watermark is not None:
        css += f".mark{{background-image:url(\"{_mark_uri(state.watermark)}\")}}\n"
    note = f'<p class="note">Showing {len(shown)} of {total} pages.</p>\n' if len(shown) < total else ""
    page = (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>Document preview ({total} {'page' if total == 1 else 'pages'})</title>\n"
        f"<style>\n{css}</style></head>\n<body><main>\n{''.join(sections)}{note}</main></body></html>\n"
    )
    return Output(page.encode("utf-8"), "text/html; charset=utf-8")


def _section(number: int, total: int, image: Image.Image, runs: list[pdf.TextRun], marked: bool) -> str:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY)
    uri = "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")
    parts = [
        f'<section class="page" aria-label="Page {number} of {total}">',
        f'<img src="{uri}" width="{image.width}" height="{image.height}" alt="Page {number}">',
    ]
    if runs:
        spans = "".join(
            f'<span style="left:{run.left * 100:.3f}%;top:{run.top * 100:.3f}%;font-size:{run.size * 100:.3f}cqw">'
            f"{html.escape(run.text)}</span>"
            for run in runs
        )
        parts.append(f'<div class="text">{spans}</div>')
    if marked:
        parts.append('<div class="mark"></div>')
    return "".join(parts) + "</section>\n"


def _mark_uri(mark: Watermark) -> str:
    """One tile of the watermark as an SVG data: URI: the text, rotated clockwise, with room around it."""
    width = mark.size * sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in mark.text)
    height = mark.size * 1.2
    angle = math.radians(mark.rotate)
    gap = 2 * mark.size
    tile_w = round(abs(width * math.cos(angle)) + abs(height * math.sin(angle)) + gap)
    tile_h = round(abs(width * math.sin(angle)) + abs(height * math.cos(angle)) + gap)
    family = fonts.FONTS[mark.font].family
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{tile_w}" height="{tile_h}">'
        f'<text x="{tile_w / 2}" y="{tile_h / 2}" text-anchor="middle" dominant-baseline="central" '
        f'transform="rotate({mark.rotate} {tile_w / 2} {tile_h / 2})" font-family="\'{family}\', sans-serif" '
        f'font-size="{mark.size}" fill="#{mark.color}" fill-opacity="{mark.opacity / 100:g}">'
        f"{html.escape(mark.text)}</text></svg>"
    )
    return "data:image/svg+xml," + urllib.parse.quote(svg, safe="")
