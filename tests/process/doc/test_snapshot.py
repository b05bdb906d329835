"""doc/snapshot (media §2.1): one page as an image, chosen by page_, the page count named past the end."""

import pytest

from proxy.errors import OssError
from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS
from proxy.limits import Limits

from .conftest import COLOURS, decoded, near, needs_soffice


def test_snapshot_defaults_to_page_1_as_jpg(run, colour_pdf):
    output = run("doc/snapshot", colour_pdf, "report.pdf")
    image = decoded(output)
    assert (output.media_type, image.format) == ("image/jpeg", "JPEG")
    assert near(image.getpixel((image.width // 2, image.height // 2)), COLOURS[0])


@pytest.mark.parametrize("page", [1, 2, 3])
def test_snapshot_page_n_shows_that_page(run, colour_pdf, page):
    image = decoded(run(f"doc/snapshot,page_{page},target_png", colour_pdf, "report.pdf"))
    assert image.format == "PNG"
    # Pillow writes the pages as JPEG, hence the small tolerance
    assert near(image.getpixel((image.width // 2, image.height // 2)), COLOURS[page - 1], tolerance=2)


def test_snapshot_renders_at_150_dpi(run, colour_pdf):
    # 200x300 pt at 150/72 px per pt
    assert decoded(run("doc/snapshot", colour_pdf, "report.pdf")).size == (417, 625)


def test_snapshot_fits_the_output_limits(run, colour_pdf):
    image = decoded(run("doc/snapshot", colour_pdf, "report.pdf", Limits(max_output_side=100)))
    assert image.size == (67, 100)


def test_snapshot_past_the_last_page_names_the_page_count(fails, colour_pdf):
    err = fails("doc/snapshot,page_4", colour_pdf, "report.pdf")
    assert (err.status, err.code) == (400, "InvalidArgument")
    assert "3 pages" in err.message
    assert err.extra == {"ArgumentName": "page", "ArgumentValue": "4"}


@pytest.mark.parametrize("value", ["0", "2001", "x", "-1"])
def test_snapshot_page_is_1_to_2000(value):
    with pytest.raises(OssError) as info:
        parse_process(f"doc/snapshot,page_{value}", OSS)
    assert info.value.code == "InvalidArgument"


def test_snapshot_rejects_other_image_formats():
    with pytest.raises(OssError):
        parse_process("doc/snapshot,target_webp", OSS)


def test_snapshot_then_image_resize_is_two_category_steps(run, colour_pdf):
    chain = parse_process("doc/snapshot,page_2/image/resize,w_100", OSS)
    assert [step.category for step in chain.steps] == ["doc", "image"]
    output = run("doc/snapshot,page_2/image/resize,w_100", colour_pdf, "report.pdf")
    image = decoded(output)
    assert image.size == (100, 150)
    assert near(image.getpixel((50, 75)), COLOURS[1])


def test_snapshot_then_image_format_changes_the_output(run, colour_pdf):
    output = run("doc/snapshot,page_3/image/format,webp", colour_pdf, "report.pdf")
    assert output.media_type == "image/webp"
    assert near(decoded(output).getpixel((10, 10)), COLOURS[2])


def test_snapshot_of_a_corrupt_pdf_is_a_clear_400(fails):
    err = fails("doc/snapshot", b"%PDF-1.4 this is not a pdf", "broken.pdf")
    assert (err.status, err.code) == (400, "BadRequest")
    assert "not a readable PDF" in err.message


def test_snapshot_of_a_pdf_with_too_many_pages_is_refused(fails, colour_pdf):
    err = fails("doc/snapshot", colour_pdf, "report.pdf", Limits(doc_max_pages=2))
    assert err.status == 400
    assert "3 pages" in err.message and "limits.doc_max_pages" in err.message


@needs_soffice
def test_snapshot_of_docx_page_2_is_the_blue_page(run, office_files):
    image = decoded(run("doc/snapshot,page_2", office_files["docx"], "letter.docx"))
    assert image.size == (1241, 1754)  # A4 at 150 dpi
    assert near(image.getpixel((620, 877)), COLOURS[1])


@needs_soffice
def test_snapshot_of_pptx_slide_1_is_the_red_slide(run, office_files):
    image = decoded(run("doc/snapshot,target_png,source_pptx", office_files["pptx"], "deck"))
    assert image.width > image.height
    assert near(image.getpixel((image.width // 2, image.height // 2)), COLOURS[0])
