"""Documents that name a file of the host by file:// URL: its content never reaches doc/snapshot.

Three walls stand in the way: the profile's settings (they stop linked images in DOCX and ODT, not RTF's
INCLUDEPICTURE), the neutraliser (`external`) and the sandbox. The first test goes through doc/snapshot as
configured; the others take walls down and show that the neutraliser alone and the sandbox alone each keep
the file out, and that with every wall down LibreOffice does read it, so these documents reach the file.
"""

import io
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from proxy.limits import Limits
from proxy.process.doc import external, office

from .conftest import needs_soffice
from .linked import (
    docx_external_image,
    docx_includepicture,
    host_pixels,
    host_png,
    odt_linked_image,
    rtf_includepicture,
)

REPOSITORY = Path(__file__).resolve().parents[3]
# Documents LibreOffice 7.4 follows to the file when nothing stops it, with the type to read them as.
FOLLOWED = [(rtf_includepicture, "rtf"), (docx_external_image, "docx"), (odt_linked_image, "odt")]
# A solid 200x200 picture fills far more than this many pixels of a page rendered at 72 dpi.
SHOWN = 5_000


@pytest.fixture(scope="module")
def host_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The file:// URL of a PNG in the host's temporary folder, outside every bucket."""
    path = tmp_path_factory.mktemp("host") / "logo.png"
    path.write_bytes(host_png())
    return path.as_uri()


@pytest.fixture
def bare_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """LibreOffice with its default settings: the profile's link blocking is not one of the walls tested."""
    profile = tmp_path / "profile"
    (profile / "user").mkdir(parents=True)
    monkeypatch.setattr(office, "_profile", lambda pid: profile)


@pytest.fixture
def no_neutraliser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(external, "neutralise", lambda data: data)


def marker() -> str:
    """Text that makes each document unique, so no PDF cache answers for it."""
    return f"doc {uuid.uuid4()}"


def shown(builder: Callable[[str, str], bytes], url: str, source_type: str, limits: Limits) -> int:
    """Host-coloured pixels of page 1 of the document LibreOffice makes from `builder(url)`."""
    pdf = office.convert_to_pdf(builder(url, marker()), source_type, limits)
    return host_pixels(pdfium.PdfDocument(pdf)[0].render(scale=1).to_pil())


@needs_soffice
@pytest.mark.parametrize(("builder", "key"), [
    (rtf_includepicture, "letter.rtf"), (rtf_includepicture, "letter.doc"), (rtf_includepicture, "letter.docx"),
    (rtf_includepicture, "letter.odt"), (docx_external_image, "letter.docx"), (docx_includepicture, "letter.docx"),
    (odt_linked_image, "letter.odt"), (docx_external_image, "letter.doc"),
])
def test_a_snapshot_never_shows_a_linked_host_file(run, host_file, builder, key):
    image = Image.open(io.BytesIO(run("doc/snapshot,page_1", builder(host_file, marker()), key).body))
    assert image.size[0] > 100
    assert host_pixels(image) == 0


@needs_soffice
@pytest.mark.parametrize(("builder", "source_type"), FOLLOWED)
def test_with_every_wall_down_libreoffice_reads_the_host_file(host_file, bare_profile, no_neutraliser, builder,
                                                              source_type):
    assert shown(builder, host_file, source_type, Limits(doc_sandbox="none")) > SHOWN


@needs_soffice
@pytest.mark.parametrize(("builder", "source_type"), FOLLOWED)
def test_the_sandbox_alone_keeps_the_host_file_out(host_file, bare_profile, no_neutraliser, builder, source_type):
    assert shown(builder, host_file, source_type, Limits(doc_sandbox="bwrap")) == 0


@needs_soffice
@pytest.mark.parametrize(("builder", "source_type"), FOLLOWED)
def test_the_neutraliser_alone_keeps_the_host_file_out(host_file, bare_profile, builder, source_type):
    assert shown(builder, host_file, source_type, Limits(doc_sandbox="none")) == 0


@pytest.fixture(params=["home", "repository"])
def private_file(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PNG in the home folder or in this repository's tree (which lives under /work here)."""
    folder = Path.home() if request.param == "home" else REPOSITORY
    path = folder / f".osprey-host-{uuid.uuid4().hex}.png"
    path.write_bytes(host_png())
    try:
        yield path.as_uri()
    finally:
        path.unlink()


@needs_soffice
@pytest.mark.parametrize(("sandbox", "readable"), [("bwrap", False), ("none", True)])
def test_the_sandbox_hides_home_and_the_repository(private_file, bare_profile, no_neutraliser, sandbox, readable):
    assert (shown(rtf_includepicture, private_file, "rtf", Limits(doc_sandbox=sandbox)) > SHOWN) == readable
