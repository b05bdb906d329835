"""doc/convert (media §2.3), synchronous: PDF, text, first page as an image, page selection, chained snapshot."""

import pypdfium2 as pdfium
import pytest

from proxy.errors import OssError
from proxy.grammar.chain import parse_process
from proxy.grammar.doc import parse_pages
from proxy.grammar.oss import OSS
from proxy.process.doc.convert import page_range

from .conftest import COLOURS, decoded, near, needs_soffice


def page_count(body: bytes) -> int:
    document = pdfium.PdfDocument(body)
    try:
        return len(document)
    finally:
        document.close()


def test_convert_pdf_to_pdf_returns_the_document(run, colour_pdf):
    output = run("doc/convert,target_pdf", colour_pdf, "report.pdf")
    assert (output.media_type, output.body) == ("application/pdf", colour_pdf)


def test_convert_pages_selects_a_range(run, colour_pdf):
    output = run("doc/convert,target_pdf,pages_2-3", colour_pdf, "report.pdf")
    assert page_count(output.body) == 2
    first = decoded(run("doc/snapshot,target_png", output.body, "part.pdf"))
    assert near(first.getpixel((10, 10)), COLOURS[1])


def test_convert_pages_past_the_end_stops_at_the_last_page(run, colour_pdf):
    assert page_count(run("doc/convert,target_pdf,pages_2-", colour_pdf, "report.pdf").body) == 2
    assert page_count(run("doc/convert,target_pdf,pages_3-99", colour_pdf, "report.pdf").body) == 1


def test_convert_pages_starting_past_the_end_names_the_page_count(fails, colour_pdf):
    err = fails("doc/convert,target_pdf,pages_4-5", colour_pdf, "report.pdf")
    assert (err.status, err.code) == (400, "InvalidArgument")
    assert "3 pages" in err.message


def test_convert_target_jpg_is_the_first_page(run, colour_pdf):
    output = run("doc/convert,target_jpg", colour_pdf, "report.pdf")
    assert output.media_type == "image/jpeg"
    assert near(decoded(output).getpixel((10, 10)), COLOURS[0])


def test_convert_then_snapshot_takes_the_page_asked_for(run, colour_pdf):
    output = run("doc/convert,target_jpg,source_pdf/snapshot,target_png,source_pdf,page_2", colour_pdf, "x")
    assert output.media_type == "image/png"
    assert near(decoded(output).getpixel((10, 10)), COLOURS[1])


def test_convert_pages_then_snapshot_counts_within_the_selection(run, fails, colour_pdf):
    output = run("doc/convert,target_pdf,pages_2-3/snapshot,page_2", colour_pdf, "report.pdf")
    assert near(decoded(output).getpixel((10, 10)), COLOURS[2])
    err = fails("doc/convert,target_pdf,pages_2-3/snapshot,page_3", colour_pdf, "report.pdf")
    assert "2 pages selected" in err.message


def test_convert_needs_a_target():
    with pytest.raises(OssError) as info:
        parse_process("doc/convert,source_docx", OSS)
    assert info.value.code == "MissingArgument"


@pytest.mark.parametrize(("text", "normalised", "bounds"), [
    ("2", "2", (2, 2)), ("02-3", "2-3", (2, 3)), ("4-", "4-", (4, None)),
])
def test_convert_pages_forms(text, normalised, bounds):
    assert parse_pages(text) == normalised
    assert page_range(normalised) == bounds


@pytest.mark.parametrize("text", ["0", "3-2", "a-b", "-3", "1-2-3", "1,2"])
def test_convert_pages_rejects_other_forms(text):
    with pytest.raises(ValueError):
        parse_pages(text)


def test_convert_txt_of_an_image_only_pdf_is_empty_pages(run, colour_pdf):
    output = run("doc/convert,target_txt", colour_pdf, "report.pdf")
    assert (output.media_type, output.body) == ("text/plain; charset=utf-8", b"\f\f")


@needs_soffice
def test_convert_docx_to_txt_extracts_each_page(run, office_files):
    output = run("doc/convert,target_txt", office_files["docx"], "letter.docx")
    assert output.body.decode().split("\f") == ["Page one alpha", "Page two beta", "Page three gamma"]


@needs_soffice
def test_convert_docx_to_pdf_keeps_its_pages(run, office_files):
    output = run("doc/convert,target_pdf", office_files["docx"], "letter.docx")
    assert output.media_type == "application/pdf"
    assert page_count(output.body) == 3


@needs_soffice
def test_convert_docx_then_snapshot_page_2(run, office_files):
    chain = "doc/convert,target_jpg,source_docx/snapshot,target_jpg,source_docx,page_2"
    image = decoded(run(chain, office_files["docx"], "extensionless"))
    assert near(image.getpixel((image.width // 2, image.height // 2)), COLOURS[1])


@needs_soffice
def test_convert_xlsx_to_txt_reads_every_sheet(run, office_files):
    pages = run("doc/convert,target_txt", office_files["xlsx"], "book.xlsx").body.decode().split("\f")
    assert len(pages) == 2
    assert "Alpha" in pages[0] and "42" in pages[0] and "Beta" in pages[1]


@needs_soffice
def test_convert_pptx_to_txt_reads_every_slide(run, office_files):
    text = run("doc/convert,target_txt,pages_2", office_files["pptx"], "deck.pptx").body.decode()
    assert text == "Slide two beta"
