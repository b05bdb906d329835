"""Documents made by the tests: coloured PDFs with Pillow, office files written by LibreOffice itself.

Office files come from flat ODF sources (one XML file each) converted once per target format; the
results are kept in pytest's cache, keyed by the sources and the LibreOffice version, so later runs
skip LibreOffice here. Conversions made by Osprey are shared too: the worker's PDF cache keys them by
content, so every test that reads the same docx converts it once per session.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from proxy.errors import OssError
from proxy.grammar.chain import parse_process
from proxy.grammar.doc_source import with_key_type
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process.output import Output
from proxy.process.runner import run_chain

COLOURS = ((255, 0, 0), (0, 0, 255), (0, 160, 0))  # page 1 red, page 2 blue, page 3 green
_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" office:version="1.3"'
)
_FILLS = (
    '<style:style style:name="red" style:family="graphic"><style:graphic-properties draw:fill="solid" '
    'draw:fill-color="#ff0000" draw:stroke="none" style:wrap="run-through" style:run-through="background"/>'
    '</style:style><style:style style:name="blue" style:family="graphic"><style:graphic-properties '
    'draw:fill="solid" draw:fill-color="#0000ff" draw:stroke="none" style:wrap="run-through" '
    'style:run-through="background"/></style:style>'
)
# Three A4 pages: red, blue, white; "Page one alpha", "Page two beta", "Page three gamma".
TEXT_DOCUMENT = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document {_NS} office:mimetype="application/vnd.oasis.opendocument.text">
<office:automatic-styles>{_FILLS}<style:style style:name="break" style:family="paragraph">
<style:paragraph-properties fo:break-before="page"/></style:style></office:automatic-styles>
<office:body><office:text>
<draw:rect draw:style-name="red" text:anchor-type="page" text:anchor-page-number="1" svg:x="0cm" svg:y="0cm"
 svg:width="21cm" svg:height="29.7cm"/>
<draw:rect draw:style-name="blue" text:anchor-type="page" text:anchor-page-number="2" svg:x="0cm" svg:y="0cm"
 svg:width="21cm" svg:height="29.7cm"/>
<text:p>Page one alpha</text:p>
<text:p text:style-name="break">Page two beta</text:p>
<text:p text:style-name="break">Page three gamma</text:p>
</office:text></office:body></office:document>
"""
# Two sheets, one page each.
SPREADSHEET = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document {_NS} office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:body><office:spreadsheet>
<table:table table:name="First"><table:table-row><table:table-cell><text:p>Alpha</text:p></table:table-cell>
<table:table-cell office:value-type="float" office:value="42"><text:p>42</text:p></table:table-cell>
</table:table-row></table:table>
<table:table table:name="Second"><table:table-row><table:table-cell><text:p>Beta</text:p></table:table-cell>
</table:table-row></table:table>
</office:spreadsheet></office:body></office:document>
"""
# Two slides filled red and blue.
PRESENTATION = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document {_NS} office:mimetype="application/vnd.oasis.opendocument.presentation">
<office:automatic-styles>{_FILLS}</office:automatic-styles>
<office:body><office:presentation>
<draw:page draw:name="one"><draw:rect draw:style-name="red" svg:x="0cm" svg:y="0cm" svg:width="28cm"
 svg:height="21cm"><text:p>Slide one alpha</text:p></draw:rect></draw:page>
<draw:page draw:name="two"><draw:rect draw:style-name="blue" svg:x="0cm" svg:y="0cm" svg:width="28cm"
 svg:height="21cm"><text:p>Slide two beta</text:p></draw:rect></draw:page>
</office:presentation></office:body></office:document>
"""
SOURCES = {"fodt": TEXT_DOCUMENT, "fods": SPREADSHEET, "fodp": PRESENTATION}
TARGETS = {
    "fodt": ("docx", "doc", "odt", "rtf"),
    "fods": ("xlsx", "xls", "ods"),
    "fodp": ("pptx", "ppt", "odp"),
}
TEXT_FILES = {
    "txt": b"Plain text alpha\nsecond line beta\n",
    "csv": b"name,value\nalpha,42\nbeta,7\n",
}

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")


def run_doc(text: str, data: bytes, key: str = "document", limits: Limits | None = None) -> Output:
    """Parse `text`, bind the key's extension as the front does, and run the chain."""
    chain = with_key_type(parse_process(text, OSS), key)
    return run_chain(chain, data, "application/octet-stream", limits or Limits())


def decoded(output: Output) -> Image.Image:
    return Image.open(io.BytesIO(output.body))


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


@pytest.fixture
def run() -> Callable[..., Output]:
    """run("doc/snapshot,page_2", data, key="a.pdf") -> Output."""
    return run_doc


@pytest.fixture
def fails() -> Callable[..., OssError]:
    """fails("doc/snapshot,page_9", data, key) -> the OssError that parsing or running raised."""

    def check(text: str, data: bytes = b"", key: str = "document", limits: Limits | None = None) -> OssError:
        with pytest.raises(OssError) as info:
            run_doc(text, data, key, limits)
        return info.value

    return check


@pytest.fixture(scope="session")
def colour_pdf() -> bytes:
    """Three 200x300 pt pages: red, blue, green."""
    pages = [Image.new("RGB", (200, 300), colour) for colour in COLOURS]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=72)
    return out.getvalue()


@pytest.fixture(scope="session")
def office_files(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Every office type Osprey reads, by extension, as LibreOffice writes them (plus txt and csv)."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    version = subprocess.run(["soffice", "--version"], capture_output=True, text=True, check=False).stdout
    digest = hashlib.sha256(("\n".join([version, *SOURCES.values()])).encode()).hexdigest()[:16]
    cache = request.config.cache
    folder = (cache.mkdir(f"osprey-doc-{digest}") if cache is not None
              else tmp_path_factory.mktemp("office"))
    wanted = [(kind, ext) for kind, exts in TARGETS.items() for ext in exts]
    missing = [(kind, ext) for kind, ext in wanted if not (folder / f"sample.{ext}").is_file()]
    if missing:
        for kind, text in SOURCES.items():
            (folder / f"sample.{kind}").write_text(text, encoding="utf-8")
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda job: _convert(folder, *job), missing))
    files = {ext: (folder / f"sample.{ext}").read_bytes() for _kind, ext in wanted}
    return files | TEXT_FILES


def _convert(folder: Path, kind: str, ext: str) -> None:
    """One LibreOffice run with a profile of its own, so runs can go in parallel."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            ["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
             "--convert-to", ext, "--outdir", str(folder), str(folder / f"sample.{kind}")],
            capture_output=True, timeout=120, check=True,
        )
