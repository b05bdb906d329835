"""image/info (image §4.14): OSS's exact JSON bytes, EXIF under exiv2's names, header-only reading."""

import json
import struct

import pytest
from PIL import Image
from PIL.ExifTags import IFD

from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS
from proxy.process.image import needed_size
from proxy.process.image.info import exif_fields
from proxy.process.image.state import HEADER_ONLY

from .test_codec import png_header_only


def info(run, data: bytes) -> dict[str, str]:
    return {key: entry["value"] for key, entry in json.loads(run("image/info", data).body).items()}


def oss_body(fields: dict[str, str]) -> bytes:
    """The C#/C++ SDK expectation's layout, written out by hand."""
    entries = ",\n    ".join(
        f'{json.dumps(key)}: {{"value": {json.dumps(value)}}}' for key, value in sorted(fields.items())
    )
    return ("{\n    " + entries + "}").encode()


def test_info_sdk_sample_exact_bytes(run, example_jpg):
    body = run("image/info", example_jpg).body
    assert body == (
        b'{\n    "FileSize": {"value": "21839"},\n    "Format": {"value": "jpg"},\n'
        b'    "FrameCount": {"value": "1"},\n    "ImageHeight": {"value": "267"},\n'
        b'    "ImageWidth": {"value": "400"},\n    "ResolutionUnit": {"value": "1"},\n'
        b'    "XResolution": {"value": "1/1"},\n    "YResolution": {"value": "1/1"}}'
    )


def test_info_sdk_vector_of_the_100x100_resized_sample(run, example_jpg):
    # The C#/C++ SDK tests resize the sample to 100x100, store it, then ask for its info.
    resized = run("image/resize,m_fixed,w_100,h_100", example_jpg).body
    assert run("image/info", resized).body == oss_body({
        "FileSize": str(len(resized)), "Format": "jpg", "FrameCount": "1", "ImageHeight": "100",
        "ImageWidth": "100", "ResolutionUnit": "1", "XResolution": "1/1", "YResolution": "1/1",
    })


def test_info_content_type_is_json_unconfirmed(run, example_jpg):
    assert run("image/info", example_jpg).media_type == "application/json"


def test_info_jfif_density_in_dots_per_inch_is_exif_unit_2(run, encode):
    source = encode(Image.new("RGB", (8, 8)), "jpg", dpi=(300, 150))
    fields = info(run, source)
    assert (fields["ResolutionUnit"], fields["XResolution"], fields["YResolution"]) == ("2", "300/1", "150/1")


@pytest.fixture
def exif_jpg(encode) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 7  # Orientation
    exif[0x0132] = "2015:02:11 15:38:27"  # DateTime
    exif[0x011A] = 96.0  # XResolution
    exif[0x011B] = 96.0
    exif[0x0128] = 2  # ResolutionUnit
    exif[0x0131] = "Osprey"  # Software
    exif[IFD.Exif] = {0x9000: b"0221"}  # ExifVersion
    exif[IFD.GPSInfo] = {
        0: b"\x02\x02\x00\x00", 1: "N", 2: (30.0, 17.0, 30.62), 3: "E", 4: (120.0, 0.0, 0.0),
        18: "WGS-84",
    }
    return encode(Image.new("RGB", (64, 48)), "jpg", exif=exif)


def test_info_exif_tags_under_their_names(run, exif_jpg):
    fields = info(run, exif_jpg)
    assert {key: fields[key] for key in (
        "Orientation", "DateTime", "Software", "XResolution", "YResolution", "ResolutionUnit",
        "ExifVersion", "GPSVersionID", "GPSLatitudeRef", "GPSLatitude", "GPSLongitudeRef",
        "GPSLongitude", "GPSMapDatum",
    )} == {
        "Orientation": "7", "DateTime": "2015:02:11 15:38:27", "Software": "Osprey",
        "XResolution": "96/1", "YResolution": "96/1", "ResolutionUnit": "2",  # EXIF beats JFIF
        "ExifVersion": "48 50 50 49", "GPSVersionID": "2 2 0 0", "GPSLatitudeRef": "North",
        "GPSLatitude": "30deg 17' 30.620\" ", "GPSLongitudeRef": "East", "GPSLongitude": "120deg ",
        "GPSMapDatum": "WGS-84",
    }
    assert fields["ExifTag"].isdigit() and fields["GPSTag"].isdigit()  # the IFD pointers, as OSS shows
    assert (fields["ImageWidth"], fields["ImageHeight"], fields["FileSize"]) == ("64", "48", str(len(exif_jpg)))


def test_info_exif_body_keeps_the_oss_layout(run, exif_jpg):
    body = run("image/info", exif_jpg).body
    keys = list(json.loads(body))
    assert keys == sorted(keys)
    assert body == oss_body(info(run, exif_jpg))


def exif_with_thumbnail_ifd() -> bytes:
    """A little-endian EXIF block: IFD0 (Orientation 7) chained to IFD1 (the thumbnail's tags)."""

    def ifd(entries: list[tuple[int, int, int]], next_offset: int) -> bytes:
        out = struct.pack("<H", len(entries))
        for tag, kind, value in entries:  # kind 3 SHORT, 4 LONG; values fit in the entry
            out += struct.pack("<HHI", tag, kind, 1)
            out += struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
        return out + struct.pack("<I", next_offset)

    ifd0 = ifd([(0x0112, 3, 7)], 8 + 2 + 12 + 4)
    ifd1 = ifd([(0x0103, 3, 6), (0x0112, 3, 1), (0x0201, 4, 1234), (0x0202, 4, 567)], 0)
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + ifd0 + ifd1


def test_info_thumbnail_tags_appear_and_the_main_image_wins(run, encode):
    source = encode(Image.new("RGB", (8, 8)), "jpg", exif=exif_with_thumbnail_ifd())
    fields = info(run, source)
    assert fields["Compression"] == "6"
    assert (fields["JPEGInterchangeFormat"], fields["JPEGInterchangeFormatLength"]) == ("1234", "567")
    assert fields["Orientation"] == "7"


@pytest.mark.parametrize(("dms", "text"), [
    ((30.0, 17.0, 30.62), "30deg 17' 30.620\" "),
    ((0.0, 0.0, 0.0), "0deg "),
    ((30.0, 17.0, 0.0), "30deg 17' "),
    ((30.0, 17.5, 0.0), "30deg 17.50000' "),
    ((30.0, 0.0, 5.0), "30deg 0' 5\" "),
])
def test_info_gps_coordinates_in_exiv2_style_unconfirmed(dms, text):
    exif = Image.Exif()
    exif[IFD.GPSInfo] = {2: dms, 1: "S", 3: "W"}
    fields = exif_fields(exif.tobytes())
    assert (fields["GPSLatitude"], fields["GPSLatitudeRef"], fields["GPSLongitudeRef"]) == (text, "South", "West")


def test_info_png_has_basic_fields_only(run, encode):
    exif = Image.Exif()
    exif[0x0112] = 6
    source = encode(Image.new("RGBA", (30, 20)), "png", exif=exif, dpi=(72, 72))
    assert info(run, source) == {
        "FileSize": str(len(source)), "Format": "png", "FrameCount": "1", "ImageHeight": "20",
        "ImageWidth": "30",
    }


def test_info_animated_gif_counts_its_frames(run, animated_gif):
    fields = info(run, animated_gif)
    assert (fields["Format"], fields["FrameCount"], fields["ImageWidth"], fields["ImageHeight"]) == (
        "gif", "6", "120", "80",
    )


@pytest.mark.parametrize("fmt", ["webp", "bmp", "tiff", "heic", "avif"])
def test_info_names_every_source_format(run, encode, fmt):
    fields = info(run, encode(Image.new("RGB", (24, 16), (200, 10, 10)), fmt))
    assert (fields["Format"], fields["ImageWidth"], fields["ImageHeight"]) == (fmt, "24", "16")


def test_info_reads_only_the_header(run, fails):
    # A PNG header claiming 1000x1000 with no pixel data: decoding fails, info does not need to.
    hollow = png_header_only(1000, 1000)
    assert fails("image/resize,w_10", hollow).code == "BadRequest"
    assert info(run, hollow)["ImageWidth"] == "1000"


def test_info_hint_asks_for_the_header_only():
    steps = [(OSS.get("image", a.name), {}) for a in parse_process("image/info", OSS).actions()]
    assert needed_size(steps, (4000, 3000)) == HEADER_ONLY


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_info_ignores_unreadable_exif(run, encode):
    source = encode(Image.new("RGB", (8, 8)), "jpg", exif=b"Exif\x00\x00II*\x00\xff\xff\xff\x7f")
    assert info(run, source)["ImageWidth"] == "8"


@pytest.mark.parametrize("process", ["image/resize,w_1/info", "image/info/resize,w_1", "image/info/info"])
def test_info_cannot_be_combined(fails, example_jpg, process):
    error = fails(process, example_jpg)
    assert (error.status, error.code) == (400, "InvalidArgument")
