"""PDFs written object by object, so their page trees can be as broken as a stranger likes."""

CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>"


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF of `objects` (numbered from 1, the first the catalog) with a correct cross-reference table."""
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def count_lies_pdf() -> bytes:
    """A page tree claiming five pages and holding none: PDFium counts them, then cannot load one."""
    return raw_pdf(CATALOG, b"<< /Type /Pages /Kids [] /Count 5 >>")


def cyclic_pdf() -> bytes:
    """A page tree listing itself among its kids."""
    return raw_pdf(CATALOG, b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>", PAGE)
