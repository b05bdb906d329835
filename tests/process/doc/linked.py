"""Documents that pull in a file of the host by an absolute file:// URL, as an attacker would upload them.

Each builder takes the URL of the host file; the tests put a solid-colour PNG (or a text file) outside every
bucket and check that its colour (or text) never reaches the output.
"""

from __future__ import annotations

import io
import zipfile

from PIL import Image

# A colour no test document draws, so finding it in a rendering means the host file was read.
HOST_COLOUR = (17, 201, 93)

DOCX_MEMBERS = ("[Content_Types].xml", "_rels/.rels", "word/document.xml")  # what every package holds
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_RELS}">'
    f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="word/document.xml"/></Relationships>'
)
_PICTURE = (
    '<w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
    '<wp:extent cx="3600000" cy="3600000"/><wp:docPr id="1" name="linked"/>'
    '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
    '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
    '<pic:nvPicPr><pic:cNvPr id="1" name="linked"/><pic:cNvPicPr/></pic:nvPicPr>'
    '<pic:blipFill><a:blip r:link="rIdHost"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
    '<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="3600000" cy="3600000"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
    "</wp:inline></w:drawing>"
)


def host_pixels(image: Image.Image, tolerance: int = 16) -> int:
    """How many pixels of `image` have the host file's colour (JPEG moves colours a little)."""
    counts = image.convert("RGB").getcolors(image.width * image.height) or []
    near = (n for n, colour in counts if all(abs(a - b) <= tolerance for a, b in zip(colour, HOST_COLOUR, strict=True)))
    return sum(near)


def host_png(colour: tuple[int, int, int] = HOST_COLOUR) -> bytes:
    """A 200x200 PNG of one colour."""
    out = io.BytesIO()
    Image.new("RGB", (200, 200), colour).save(out, "PNG")
    return out.getvalue()


def rtf_includepicture(url: str, marker: str = "") -> bytes:
    """An RTF whose only picture is an INCLUDEPICTURE field on `url` (not stored in the file)."""
    return (r"{\rtf1\ansi " + marker + r"\par {\field{\*\fldinst INCLUDEPICTURE "
            f'"{url}"' + r" \\d}{\fldrslt }}\par}").encode()


def rtf_includetext(url: str, marker: str = "") -> bytes:
    """An RTF whose text includes `url` by an INCLUDETEXT field."""
    return (r"{\rtf1\ansi " + marker + r"\par {\field{\*\fldinst INCLUDETEXT "
            f'"{url}"' + r"}{\fldrslt }}\par}").encode()


def docx_external_image(url: str, marker: str = "") -> bytes:
    """A DOCX whose picture is a relationship with TargetMode="External" to `url`."""
    rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_RELS}">'
            f'<Relationship Id="rIdHost" Type="{_RELS}/image" Target="{url}" TargetMode="External"/>'
            "</Relationships>")
    return docx_package(f"<w:p><w:r><w:t>{marker}</w:t></w:r></w:p><w:p><w:r>{_PICTURE}</w:r></w:p>", rels)


def docx_includepicture(url: str, marker: str = "") -> bytes:
    """A DOCX with an INCLUDEPICTURE field on `url` in w:instrText."""
    field = (f'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
             f' INCLUDEPICTURE "{url}" \\d </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
             '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    return docx_package(f"<w:p><w:r><w:t>{marker}</w:t></w:r></w:p><w:p>{field}</w:p>")


def odt_linked_image(url: str, marker: str = "") -> bytes:
    """An ODT whose picture is a draw:image linked (not embedded) to `url`."""
    frame = (f'<draw:frame draw:name="linked" text:anchor-type="as-char" svg:width="6cm" svg:height="6cm">'
             f'<draw:image xlink:href="{url}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/>'
             "</draw:frame>")
    return _odt(f"<text:p>{marker}</text:p><text:p>{frame}</text:p>")


def odt_section_source(url: str, marker: str = "") -> bytes:
    """An ODT with a section whose content is the file at `url` (a linked section)."""
    section = (f'<text:section text:name="linked"><text:section-source xlink:href="{url}" xlink:type="simple"/>'
               "<text:p/></text:section>")
    return _odt(f"<text:p>{marker}</text:p>{section}")


def docx_package(body: str, rels: str | None = None) -> bytes:
    """A Word document of `body` (the inside of `w:body`): content types, its relationships, the document."""
    document = (f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W} {_R}><w:body>{body}'
                "</w:body></w:document>")
    members = dict(zip(DOCX_MEMBERS, (_CONTENT_TYPES, _ROOT_RELS, document), strict=True))
    if rels is not None:
        members["word/_rels/document.xml.rels"] = rels
    return _zip(members)


def _odt(body: str) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
        'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    return _zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": content,
                 "META-INF/manifest.xml": manifest})


def _zip(members: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in members.items():
            compression = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, text, compress_type=compression)
    return out.getvalue()


def docx_altchunk(url: str, marker: str = "") -> bytes:
    """A DOCX whose body pulls in the document at `url` (an external altChunk)."""
    rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_RELS}">'
            f'<Relationship Id="rIdHost" Type="{_RELS}/aFChunk" Target="{url}" TargetMode="External"/>'
            "</Relationships>")
    return docx_package(f'<w:p><w:r><w:t>{marker}</w:t></w:r></w:p><w:altChunk r:id="rIdHost"/>', rels)
