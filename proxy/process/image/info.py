"""image/info (image §4.14): the source's size, format and metadata as OSS's JSON, from the header alone.

Decisions on the points OSS leaves open:
- EXIF tags of every IFD (image, Exif, GPS, interoperability, thumbnail; the main image wins a name
  clash) appear under exiv2's names, which OSS's documented example uses (`ExifTag`, `GPSTag`,
  `JPEGInterchangeFormat`), in exiv2's raw rendering: rationals `num/den`, several numbers or bytes
  space-separated (`ExifVersion` "48 50 50 49"); only GPS coordinates (`30deg 17' 30.620" `) and
  their references (`North`) are printed the way OSS's examples show them [U];
- a JPEG without EXIF resolution tags reports its JFIF density, the unit in EXIF numbering
  (JFIF none/dpi/dpcm = 0/1/2 → 1/2/3, so the SDK sample's 0 prints "1") [I];
- PNG has basic fields only [D]; GIF and BMP carry no EXIF; the source limits apply as everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from numbers import Rational
from typing import Any

from PIL import Image
from PIL.ExifTags import GPSTAGS, IFD, TAGS

from proxy.limits import Limits
from proxy.process import jsonbody
from proxy.process.image.codec import DECODE_ERRORS
from proxy.process.image.state import ImageState, header_only

# exiv2's names where Pillow's differ (Pillow's 0x9214 "SubjectLocation" is plainly wrong).
_EXIV2_NAMES = {
    0x0201: "JPEGInterchangeFormat", 0x0202: "JPEGInterchangeFormatLength", 0x8769: "ExifTag",
    0x8825: "GPSTag", 0x9214: "SubjectArea", 0x9290: "SubSecTime", 0x9291: "SubSecTimeOriginal",
    0x9292: "SubSecTimeDigitized", 0xA000: "FlashpixVersion", 0xA002: "PixelXDimension",
    0xA003: "PixelYDimension", 0xA005: "InteroperabilityTag",
}
_TAG_NAMES = TAGS | _EXIV2_NAMES
_INTEROP_NAMES = {
    0x0001: "InteroperabilityIndex", 0x0002: "InteroperabilityVersion",
    0x1000: "RelatedImageFileFormat", 0x1001: "RelatedImageWidth", 0x1002: "RelatedImageLength",
}
_COORDINATES = frozenset({"GPSLatitude", "GPSLongitude", "GPSDestLatitude", "GPSDestLongitude"})
_REFERENCES = frozenset({"GPSLatitudeRef", "GPSLongitudeRef", "GPSDestLatitudeRef", "GPSDestLongitudeRef"})
_DIRECTIONS = {"N": "North", "S": "South", "E": "East", "W": "West"}
_NO_EXIF = frozenset({"png", "gif", "bmp"})


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    """Answer with the JSON body; the image itself (never decoded) is not returned."""
    header = state.header
    assert header is not None, "codec.decode records the source header"
    width, height = state.size
    basic = {
        "FileSize": str(header.byte_size), "Format": state.source_format,
        "FrameCount": str(header.frame_count), "ImageHeight": str(height), "ImageWidth": str(width),
    }
    exif = exif_fields(header.exif) if header.exif and state.source_format not in _NO_EXIF else {}
    fields = jfif_fields(header.jfif) | exif | basic
    return replace(state, output=jsonbody.output({key: {"value": value} for key, value in fields.items()}))


def jfif_fields(jfif: tuple[int, int, int] | None) -> dict[str, str]:
    """A JPEG's APP0 density as the EXIF resolution tags it stands in for."""
    if jfif is None:
        return {}
    unit, x, y = jfif
    return {"ResolutionUnit": str(unit + 1), "XResolution": f"{x}/1", "YResolution": f"{y}/1"}


def exif_fields(raw: bytes) -> dict[str, str]:
    """Every named tag of every IFD in `raw` (an EXIF block); unreadable EXIF gives none."""
    exif = Image.Exif()
    try:
        exif.load(raw)
        main = exif.get_ifd(IFD.Exif)
        ifds: list[tuple[Mapping[int, Any], Mapping[int, str]]] = [  # lowest precedence first
            (exif.get_ifd(IFD.IFD1), _TAG_NAMES),
            (exif.get_ifd(IFD.Interop), _INTEROP_NAMES),
            (exif.get_ifd(IFD.GPSInfo), GPSTAGS),
            (main, _TAG_NAMES),
            (exif, _TAG_NAMES),
        ]
        return {
            names[tag]: _text(names[tag], value)
            for ifd, names in ifds
            for tag, value in ifd.items()
            if tag in names
        }
    except DECODE_ERRORS:
        return {}


def _text(name: str, value: Any) -> str:
    if name in _COORDINATES and _is_dms(value):
        return _degrees(value)
    if name in _REFERENCES and isinstance(value, str):
        return _DIRECTIONS.get(value, value)
    return _raw(value)


def _raw(value: Any) -> str:
    """exiv2's plain value: `num/den`, numbers and bytes separated by spaces, text as stored."""
    if isinstance(value, bytes):
        return " ".join(str(byte) for byte in value)
    if isinstance(value, tuple):
        return " ".join(_raw(item) for item in value)
    if isinstance(value, Rational) and not isinstance(value, int):
        return f"{value.numerator}/{value.denominator}"
    return str(value)


def _is_dms(value: Any) -> bool:
    return (
        isinstance(value, tuple) and len(value) == 3
        and all(isinstance(part, Rational) and part.denominator != 0 for part in value)
    )


def _degrees(parts: tuple[Rational, ...]) -> str:
    """exiv2's `printDegrees`: `30deg 17' 30.620" `; trailing zero parts are left out (`0deg `)."""
    last = max((i for i in (1, 2) if parts[i].numerator != 0), default=0)
    text = ""
    for part, unit, decimals in zip(parts[: last + 1], ("deg", "'", '"'), (7, 5, 3), strict=False):
        exact = part.numerator % part.denominator == 0
        text += f"{float(part):.{0 if exact else decimals}f}{unit} "
    return text


hint = header_only  # the decode hint: what the runner may skip before decoding
