"""The neutraliser on its own: which fields and links it defuses, however they are spelt, and what it keeps."""

import io
import zipfile

import pytest

from proxy.process.doc.external import neutralise

from .linked import docx_external_image, docx_includepicture, odt_linked_image, odt_section_source, rtf_includepicture

URL = "file:///etc/osprey-host.png"


def members(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def with_member(data: bytes, name: str, text: str) -> bytes:
    """The package with member `name` replaced by `text`, order and compression kept."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, text if info.filename == name else source.read(info))
    return out.getvalue()


@pytest.mark.parametrize("field", [
    rb"{\*\fldinst INCLUDEPICTURE " + URL.encode() + rb" \\d}",
    rb"{\*\fldinst includetext " + URL.encode() + rb"}",
    rb"{\*\fldinst {INCLUDE}{\'50ICTURE}" + URL.encode() + rb"}",  # split into groups, one letter hex-escaped
    rb"{\*\fldinst \uc1\u73?NCLUDEPICTURE " + URL.encode() + rb"}",  # a Unicode escape with its stand-in
    b"{\\*\\fldinst INCLUDEPIC\r\nTURE " + URL.encode() + b"}",  # RTF ignores line breaks
    rb"{\*\fldinst DDEAUTO excel " + URL.encode() + rb"}",
    rb"{\*\fldinst LINK Word.Document.8 " + URL.encode() + rb"}",
])
def test_rtf_fields_that_include_outside_content_lose_their_command(field):
    data = rb"{\rtf1\ansi {\field" + field + rb"{\fldrslt kept result}}\par}"
    defused = neutralise(data)
    assert b"osprey-host" not in defused
    assert rb"{\fldrslt kept result}" in defused


def test_rtf_keeps_ordinary_fields_and_turns_linked_objects_into_embedded_ones():
    data = (rb"{\rtf1 {\field{\*\fldinst PAGE}{\fldrslt 1}} {\field{\*\fldinst HYPERLINK https://example.com}"
            rb"{\fldrslt site}} {\object\objautlink\objw10 x} {\object\objlink y}}")
    defused = neutralise(data)
    assert rb"\fldinst PAGE" in defused and rb"\fldinst HYPERLINK https://example.com" in defused
    assert rb"\objautlink" not in defused and rb"\objlink" not in defused
    assert defused.count(rb"\objemb") == 2


def test_rtf_binary_data_cannot_hide_a_field_from_the_neutraliser():
    # \bin5 hides five raw bytes, a closing brace among them, from every RTF reader.
    data = rb"{\rtf1 {\field{\*\fldinst INCLUDEPICTURE {\bin5 ab}cd} " + URL.encode() + rb"}{\fldrslt r}}}"
    assert b"osprey-host" not in neutralise(data)


def test_an_unclosed_rtf_field_is_defused_to_the_end():
    assert b"osprey-host" not in neutralise(rb"{\rtf1 {\field{\*\fldinst INCLUDEPICTURE " + URL.encode())


def test_docx_external_image_relationships_are_dropped():
    defused = members(neutralise(docx_external_image(URL)))
    assert "osprey-host" not in defused["word/_rels/document.xml.rels"]
    assert "Relationships" in defused["word/_rels/document.xml.rels"]


def test_docx_web_hyperlinks_stay_and_hyperlinks_to_files_go():
    document = docx_external_image(URL)
    rels = members(document)["word/_rels/document.xml.rels"].replace(
        "</Relationships>",
        '<Relationship Id="rIdWeb" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'hyperlink" Target="https://example.com/page" TargetMode="External"/>'
        "<Relationship Id='rIdFile' TargetMode='External' Target='file:///etc/passwd' "
        "Type='http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink'/></Relationships>",
    )
    defused = members(neutralise(with_member(document, "word/_rels/document.xml.rels", rels)))
    assert "https://example.com/page" in defused["word/_rels/document.xml.rels"]
    assert "/etc/passwd" not in defused["word/_rels/document.xml.rels"]


def test_docx_include_fields_are_emptied_even_split_across_runs_or_under_another_prefix():
    document = docx_includepicture(URL)
    xml = members(document)["word/document.xml"]
    split = xml.replace(f' INCLUDEPICTURE "{URL}" \\d ',
                        'INCLUDE</w:instrText></w:r><w:r><w:instrText>&#80;ICTURE "file:///etc/osprey-host.png"')
    other_prefix = xml.replace("w:", "x:").replace("xmlns:x=", "xmlns:w=\"urn:unused\" xmlns:x=")
    simple = xml.replace("</w:body>", f'<w:p><w:fldSimple w:instr="INCLUDETEXT &quot;{URL}&quot;"/></w:p></w:body>')
    for variant in (xml, split, other_prefix, simple):
        assert "osprey-host" not in members(neutralise(with_member(document, "word/document.xml", variant)))[
            "word/document.xml"]


def test_docx_ordinary_fields_and_documents_without_links_are_left_alone():
    document = docx_includepicture(URL)
    xml = members(document)["word/document.xml"].replace(f'INCLUDEPICTURE "{URL}" \\d', "PAGE")
    plain = with_member(document, "word/document.xml", xml)
    assert neutralise(plain) is plain


def test_odt_hrefs_leaving_the_package_are_emptied_links_and_inner_paths_kept():
    document = odt_linked_image(URL)
    content = members(document)["content.xml"].replace(
        "</office:text>",
        '<text:p><text:a xlink:href="https://example.com/">site</text:a></text:p>'
        '<draw:frame><draw:image xlink:href="Pictures/inner.png"/></draw:frame>'
        '<draw:frame><draw:image xlink:href="../../etc/osprey-host.png"/></draw:frame></office:text>',
    )
    defused = members(neutralise(with_member(document, "content.xml", content)))["content.xml"]
    assert "osprey-host" not in defused
    assert 'xlink:href="https://example.com/"' in defused and 'xlink:href="Pictures/inner.png"' in defused
    assert "osprey-host" not in members(neutralise(odt_section_source(URL)))["content.xml"]


def test_the_odt_mimetype_stays_first_and_stored():
    with zipfile.ZipFile(io.BytesIO(neutralise(odt_linked_image(URL)))) as archive:
        first = archive.infolist()[0]
    assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)


def test_rtf_without_fields_and_other_bytes_are_returned_as_they_are():
    for data in (rtf_includepicture(URL).replace(b"fldinst", b"fldrslt"), b"\xd0\xcf\x11\xe0 ole", b"PK\x03\x04bad"):
        assert neutralise(data) is data


def test_rtf_text_in_ignored_destinations_does_not_hide_the_keyword():
    # LibreOffice skips {\*\…} destinations and pictures, so the command starts at INCLUDEPICTURE.
    field = rb"{\*\fldinst {\*\osprey x}{\pict 89504e47}" + b" " * 300 + rb"INCLUDEPICTURE " + URL.encode() + b"}"
    assert b"osprey-host" not in neutralise(rb"{\rtf1 {\field" + field + rb"{\fldrslt r}}}")


def test_rtf_nested_fields_are_judged_each_on_its_own_command():
    data = (rb"{\rtf1 {\field{\*\fldinst IF 1 = 1 {\field{\*\fldinst INCLUDEPICTURE " + URL.encode()
            + rb"}{\fldrslt x}} y}{\fldrslt z}}}")
    defused = neutralise(data)
    assert b"osprey-host" not in defused and rb"\fldinst IF 1 = 1" in defused


def test_package_members_are_defused_whatever_their_name_encoding_or_attribute_order():
    document = odt_linked_image(URL)
    content = members(document)["content.xml"]
    tricky = content.replace('<draw:image xlink:href="', '<draw:image svg:title="a>b" xlink:href="')
    for name, package in (("content.xml", with_member(document, "content.xml", tricky)),
                          ("Pictures/part.bin", _added(document, "Pictures/part.bin", tricky))):
        with zipfile.ZipFile(io.BytesIO(neutralise(package))) as archive:
            assert b"osprey-host" not in archive.read(name)
    utf16 = _added(document, "styles.xml", "\ufeff" + content)
    with zipfile.ZipFile(io.BytesIO(neutralise(utf16))) as archive:
        assert "osprey-host" not in archive.read("styles.xml").decode("utf-16")


def _added(document: bytes, name: str, text: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(document)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr(name, text.encode("utf-16-le") if text.startswith("\ufeff") else text.encode())
    return out.getvalue()
