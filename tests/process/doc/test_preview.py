"""doc/preview (media §2.2): a self-contained HTML page: embedded pages, no scripts, copy/print/export, watermark."""

import base64
import io
import re
import urllib.parse

from PIL import Image

from proxy.grammar.params import encode_b64
from proxy.limits import Limits

from .conftest import COLOURS, near, needs_soffice

IMG = re.compile(r'<img src="data:image/jpeg;base64,([A-Za-z0-9+/=]+)"')


def page_images(html: str) -> list[Image.Image]:
    return [Image.open(io.BytesIO(base64.b64decode(data))) for data in IMG.findall(html)]


def test_preview_embeds_every_page_as_a_data_uri(run, colour_pdf):
    output = run("doc/preview", colour_pdf, "report.pdf")
    assert output.media_type == "text/html; charset=utf-8"
    images = page_images(output.body.decode())
    assert len(images) == 3
    for image, colour in zip(images, COLOURS, strict=True):
        assert near(image.getpixel((image.width // 2, image.height // 2)), colour)


def test_preview_is_self_contained(run, colour_pdf):
    html = run("doc/preview", colour_pdf, "report.pdf").body.decode()
    assert "<script" not in html.lower()
    assert not re.search(r'(src|href)="(?!data:)', html)
    assert "default-src 'none'" in html  # the CSP forbids scripts and fetches


def test_preview_shows_at_most_doc_preview_pages(run, colour_pdf):
    html = run("doc/preview", colour_pdf, "report.pdf", Limits(doc_preview_pages=2)).body.decode()
    assert len(IMG.findall(html)) == 2
    assert "Showing 2 of 3 pages." in html


@needs_soffice
def test_preview_copy_0_blocks_selection_and_drops_the_text_layer(run, office_files):
    docx = office_files["docx"]
    with_copy = run("doc/preview", docx, "letter.docx").body.decode()
    without = run("doc/preview,copy_0", docx, "letter.docx").body.decode()
    assert 'class="text"' in with_copy and "Page two beta" in with_copy
    assert "user-select:none" not in with_copy
    assert "user-select:none" in without
    assert 'class="text"' not in without and "Page two beta" not in without


def test_preview_print_0_hides_the_page_in_print(run, colour_pdf):
    assert "@media print{body{display:none}}" not in run("doc/preview", colour_pdf, "a.pdf").body.decode()
    assert "@media print{body{display:none}}" in run("doc/preview,print_0", colour_pdf, "a.pdf").body.decode()


def test_preview_export_0_keeps_images_from_being_saved(run, colour_pdf):
    assert "img{pointer-events:none" in run("doc/preview,export_0", colour_pdf, "a.pdf").body.decode()


def test_preview_watermark_overlays_the_text_on_every_page(run, colour_pdf):
    text = encode_b64("内部资料 <b>")
    html = run(f"doc/preview/watermark,text_{text},size_30,t_50,color_FF0000", colour_pdf, "a.pdf").body.decode()
    assert html.count('<div class="mark"></div>') == 3
    svg = urllib.parse.unquote(re.search(r'url\("data:image/svg\+xml,([^"]+)"\)', html).group(1))
    assert "内部资料 &lt;b&gt;" in svg
    assert 'font-size="30"' in svg and 'fill="#FF0000"' in svg and 'fill-opacity="0.5"' in svg


def test_preview_watermark_needs_text(fails, colour_pdf):
    assert fails("doc/preview/watermark,size_30", colour_pdf, "a.pdf").code == "MissingArgument"


def test_watermark_only_follows_a_preview(fails, colour_pdf):
    err = fails(f"doc/snapshot/watermark,text_{encode_b64('x')}", colour_pdf, "a.pdf")
    assert (err.status, err.code) == (400, "InvalidArgument")
