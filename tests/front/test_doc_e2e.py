"""doc/* through the running server and its worker pool, signed with oss2: the key's extension is the type."""

import asyncio
import io
import shutil

import oss2
import pytest
from PIL import Image

from tests.process.doc.linked import (
    docx_external_image,
    docx_includepicture,
    host_pixels,
    host_png,
    odt_linked_image,
    rtf_includepicture,
)

from .conftest import CLIENT_KEY, CLIENT_SECRET

COLOURS = ((255, 0, 0), (0, 0, 255), (0, 160, 0))


def colour_pdf() -> bytes:
    pages = [Image.new("RGB", (200, 300), colour) for colour in COLOURS]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=72)
    return out.getvalue()


def near(pixel, colour, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


async def get(client, key: str, process: str) -> tuple[bytes, str]:
    """A V1-signed GET of `key` in the private bucket `vault` with `process`."""
    vault = oss2.Bucket(oss2.Auth(CLIENT_KEY, CLIENT_SECRET), str(client.make_url("/")).rstrip("/"), "vault")

    def fetch():
        result = vault.get_object(key, process=process)
        return result.read(), result.headers["Content-Type"]

    return await asyncio.to_thread(fetch)


@pytest.fixture
def pdf_in_vault(local_root):
    (local_root / "vault" / "report.pdf").write_bytes(colour_pdf())
    (local_root / "vault" / "report").write_bytes(colour_pdf())


async def test_snapshot_reads_the_type_from_the_key_extension(make_client, pdf_in_vault):
    client = await make_client()
    body, media_type = await get(client, "report.pdf", "doc/snapshot,page_2")
    assert media_type == "image/jpeg"
    assert near(Image.open(io.BytesIO(body)).getpixel((10, 10)), COLOURS[1])


async def test_an_extensionless_key_needs_source(make_client, pdf_in_vault):
    client = await make_client()
    with pytest.raises(oss2.exceptions.ServerError) as info:
        await get(client, "report", "doc/snapshot,page_2")
    assert (info.value.status, info.value.code) == (400, "MissingArgument")
    body, _ = await get(client, "report", "doc/snapshot,source_pdf,page_3")
    assert near(Image.open(io.BytesIO(body)).getpixel((10, 10)), COLOURS[2])


async def test_snapshot_then_image_resize_in_one_request(make_client, pdf_in_vault):
    client = await make_client()
    body, media_type = await get(client, "report.pdf", "doc/snapshot,page_2/image/resize,w_100")
    image = Image.open(io.BytesIO(body))
    assert (media_type, image.size) == ("image/jpeg", (100, 150))


async def test_a_page_past_the_end_is_a_400_naming_the_count(make_client, pdf_in_vault):
    client = await make_client()
    with pytest.raises(oss2.exceptions.ServerError) as info:
        await get(client, "report.pdf", "doc/snapshot,page_7")
    assert (info.value.status, info.value.code) == (400, "InvalidArgument")
    assert "3 pages" in info.value.message


@pytest.fixture
def linked_documents(local_root, tmp_path_factory):
    """Documents in `vault` that name, by file:// URL, a PNG outside the upstream root; returns their keys."""
    host_file = tmp_path_factory.mktemp("host") / "logo.png"
    host_file.write_bytes(host_png())
    url = host_file.as_uri()
    documents = {
        "letter.rtf": rtf_includepicture(url, "e2e rtf"), "letter-rtf.doc": rtf_includepicture(url, "e2e doc"),
        "image-link.docx": docx_external_image(url, "e2e docx"), "field.docx": docx_includepicture(url, "e2e fld"),
        "linked.odt": odt_linked_image(url, "e2e odt"),
    }
    for key, data in documents.items():
        (local_root / "vault" / key).write_bytes(data)
    return list(documents)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
async def test_documents_linking_a_host_file_snapshot_without_it(make_client, linked_documents):
    client = await make_client()
    for key in linked_documents:
        body, media_type = await get(client, key, "doc/snapshot,page_1")
        image = Image.open(io.BytesIO(body))
        assert (media_type, image.width > 100) == ("image/jpeg", True), key
        assert host_pixels(image) == 0, key
