"""PDFium under a hostile document: damage found after opening is a 400, a render stays in its memory bound."""

import io

import pytest
from PIL import Image

from proxy.limits import Limits
from proxy.process.doc import pdf

from .hostile import CATALOG, PAGE, count_lies_pdf, cyclic_pdf, raw_pdf


@pytest.mark.parametrize("process", [
    "doc/snapshot", "doc/preview", "doc/convert,target_txt", "doc/convert,target_pdf,pages_1",
])
def test_a_page_tree_whose_count_lies_is_a_400(fails, process):
    err = fails(process, count_lies_pdf(), "tree.pdf")
    assert (err.status, err.code) == (400, "BadRequest")
    assert "damaged" in err.message


def test_a_page_tree_that_contains_itself_is_a_400_where_pdfium_gives_up(fails, run):
    assert run("doc/snapshot", cyclic_pdf(), "loop.pdf").media_type == "image/jpeg"  # page 1 is reachable
    err = fails("doc/convert,target_txt", cyclic_pdf(), "loop.pdf")
    assert (err.status, err.code) == (400, "BadRequest")


def test_the_render_box_shrinks_to_the_decoded_bytes_budget():
    assert pdf.fit_pixels(Limits()) == (4096, 4096)
    assert pdf.fit_pixels(Limits(max_decoded_bytes=8 * 1000 * 1000)) == (1000, 1000)


def test_a_huge_page_renders_within_the_budget(run):
    giant = raw_pdf(CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE.replace(b"200 100", b"14400 14400"))
    output = run("doc/snapshot,target_png", giant, "giant.pdf", Limits(max_decoded_bytes=8 * 500 * 500))
    assert Image.open(io.BytesIO(output.body)).size == (500, 500)
