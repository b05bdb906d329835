"""What the fuzzer found: inputs that once escaped as exceptions (a 500) or ran a worker out of memory.

The files in `crashers/` are its finds, shrunk; the TIFF cases are rebuilt here from a small TIFF with
one directory entry changed, as the mutation that found them did. Each now gets the answer it should:
a 400 with an OSS code, or, where the damage is only in metadata, the processed image.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import oss2
import pytest
from PIL import Image

from proxy.errors import OssError
from proxy.process.cost import pixel_passes
from proxy.process.image.codec import EC_CORRUPT, EC_DECODE_TOO_LARGE, EC_UNSUPPORTED
from tests.front.test_doc_e2e import get
from tests.process.doc.conftest import run_doc

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:PIL.*")  # Pillow's notes on the damage it reads past

CRASHERS = Path(__file__).parent / "crashers"
STRIP_OFFSETS, MAKE, COMPRESSION, PHOTOMETRIC, SAMPLES_PER_PIXEL, GRAY_RESPONSE_CURVE = 273, 271, 259, 262, 277, 291
DOUBLE, SRATIONAL, UNKNOWN_TYPE = 12, 10, 2051
# (file, chain, status, code, EC) the server answers now.
FILES = [
    # Pillow's GIF reader indexes past the end of a block the file cuts short (IndexError).
    ("gif-block-past-the-end.gif", "image/resize,w_100", "BadRequest", EC_UNSUPPORTED),
    # ... and unpacks a frame header the file cuts short (struct.error).
    ("gif-truncated-frame-header.gif", "image/info", "BadRequest", EC_UNSUPPORTED),
    # A 48x32 GIF whose second frame sits at (28290, 81791): Pillow grows the canvas to 28338x81823
    # (2.3 G px) and the worker ran out of memory or past any deadline filling it.
    ("gif-frame-grows-canvas.gif", "image/resize,w_100", "ImageTooLarge", EC_DECODE_TOO_LARGE),
    # ... and one whose frame restores an 18646x53952 region outside the canvas: Pillow allocated it
    # while seeking, before the canvas size could be checked.
    ("gif-frame-disposes-huge-region.gif", "image/format,png", "ImageTooLarge", EC_DECODE_TOO_LARGE),
    # libheif and libavif report broken files with RuntimeError.
    ("heic-over-libheif-limit.heic", "image/format,png", "BadRequest", EC_CORRUPT["heic"]),
    ("avif-bad-colour-planes.avif", "image/resize,w_100", "BadRequest", EC_CORRUPT["avif"]),
    ("avif-bad-yuv.avif", "image/format,png", "BadRequest", EC_CORRUPT["avif"]),
    ("avif-missing-image-item.avif", "image/info", "BadRequest", EC_UNSUPPORTED),
    ("avif-unsupported-item.avif", "image/info", "BadRequest", EC_UNSUPPORTED),
    # A page tree whose one page PDFium counts but cannot load (PdfiumError).
    ("pdf-unloadable-page.pdf", "doc/snapshot,page_1", "BadRequest", None),
    ("pdf-unloadable-page.pdf", "doc/convert,target_txt", "BadRequest", None),
]


def tiff_with_entries(changes: dict[int, tuple[int | None, int | None, int | None]]) -> bytes:
    """A 32x32 RGB TIFF (text tags before the pixels) with directory entries rewritten: each tag in `changes`
    gets (number, type, count of values), None keeping what it had."""
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 200, 30)).save(out, "TIFF", tiffinfo={MAKE: "Osprey", 305: "fuzz seed"})
    data = bytearray(out.getvalue())
    assert data[:2] == b"II", "Pillow writes little-endian TIFFs"
    (directory,) = struct.unpack_from("<I", data, 4)
    (count,) = struct.unpack_from("<H", data, directory)
    for entry in range(directory + 2, directory + 2 + 12 * count, 12):
        fields = struct.unpack_from("<HHI", data, entry)
        if fields[0] in changes:
            new = [old if value is None else value for old, value in zip(fields, changes[fields[0]], strict=True)]
            struct.pack_into("<HHI", data, entry, *new)
    return bytes(data)


def run(process: str, data: bytes, key: str = "crasher.pdf"):
    return run_doc(process, data, key)


def failure(process: str, data: bytes) -> OssError:
    with pytest.raises(OssError) as info:
        run(process, data)
    return info.value


@pytest.mark.parametrize(("name", "process", "code", "ec"), FILES)
def test_a_former_crasher_is_a_400_with_an_oss_code(name, process, code, ec):
    err = failure(process, (CRASHERS / name).read_bytes())
    assert (err.status, err.code, err.ec) == (400, code, ec)


def test_a_strip_offset_stored_as_a_fraction_is_a_corrupt_tiff():
    """Pillow seeks to a float and raises TypeError."""
    err = failure("image/resize,w_100", tiff_with_entries({STRIP_OFFSETS: (None, DOUBLE, None)}))
    assert (err.status, err.code, err.ec) == (400, "BadRequest", EC_UNSUPPORTED)
    assert "tiff image is corrupt" in err.message


def test_a_text_tag_retyped_as_a_fraction_loses_the_exif_not_the_image():
    """Pillow could not re-serialise the EXIF (AttributeError); unreadable EXIF is dropped, as documented."""
    output = run("image/format,png", tiff_with_entries({MAKE: (None, SRATIONAL, None)}))
    image = Image.open(io.BytesIO(output.body))
    assert (image.format, image.size, image.getpixel((4, 4))) == ("PNG", (32, 32), (10, 200, 30))
    assert "exif" not in image.info


def test_a_tag_with_far_too_many_values_loses_the_exif_not_the_image():
    """1025 values for PhotometricInterpretation, and an unknown type for SamplesPerPixel, made Pillow's
    EXIF reader fail with KeyError."""
    damaged = tiff_with_entries({PHOTOMETRIC: (None, None, 1025), SAMPLES_PER_PIXEL: (None, UNKNOWN_TYPE, None)})
    image = Image.open(io.BytesIO(run("image/resize,w_100", damaged).body))
    assert (image.format, image.size) == ("TIFF", (32, 32))  # the pixels are read as grey: the samples are damaged


def test_a_tiff_is_re_encoded_without_the_source_files_own_tags():
    """An unknown compression tag made libtiff refuse to write the copy (ValueError): the output TIFF is
    written from the pixels, so it carries neither that tag nor the source's others."""
    output = run("image/resize,w_100", tiff_with_entries({COMPRESSION: (GRAY_RESPONSE_CURVE, None, None)}))
    image = Image.open(io.BytesIO(output.body))
    assert (image.format, image.size, image.getpixel((4, 4))) == ("TIFF", (32, 32), (10, 200, 30))
    assert GRAY_RESPONSE_CURVE not in image.tag_v2 and MAKE not in image.tag_v2


@pytest.mark.parametrize("name", sorted({name for name, *_ in FILES}))
def test_the_lane_estimate_reads_a_former_crasher_without_failing(name):
    """The server estimates a job's cost from the header before any worker runs: libavif's RuntimeError
    escaped there, in the server process, as a 500."""
    assert pixel_passes((CRASHERS / name).read_bytes()) >= 0


async def test_the_server_answers_every_former_crasher_with_oss_xml_and_stays_healthy(make_client, local_root):
    """Through the worker pool: a 400 with the code in the XML body for each, then a normal request."""
    for name, *_ in FILES:
        (local_root / "vault" / name).write_bytes((CRASHERS / name).read_bytes())
    client = await make_client()
    for name, process, code, _ec in FILES:
        with pytest.raises(oss2.exceptions.ServerError) as info:
            await get(client, name, process)
        assert (name, info.value.status, info.value.code) == (name, 400, code)
    assert (await client.get("/_osprey/healthz")).status == 200
    resp = await client.get("/photos/red.jpg", params={"x-oss-process": "image/resize,w_50"})
    assert resp.status == 200 and Image.open(io.BytesIO(await resp.read())).size == (50, 25)
