"""What a job will cost, told before it runs from the chain and the source's header, to choose its lane.

The unit is pixels x passes x image actions. A pass is a frame of an animation, or for a progressive
JPEG ten scans (what a standard progressive script has): repeated scans each walk the whole image.
Documents, video and audio are heavy outright (LibreOffice, FFmpeg). The header is read by a bounded walk
(a few µs; a header that hides its size is heavy); GIFs, WebPs and progressive JPEGs are also scanned for
their frame or scan markers with `bytes.count` (about 1 ms per MB).
"""

from __future__ import annotations

import io
import struct
import sys

from PIL import Image

from proxy.grammar.chain import Chain

HEAVY = sys.maxsize
"""The cost of a job that is heavy whatever its size."""
LIGHT_CATEGORIES = frozenset({"image"})
_SCANS_PER_PASS = 10
_SOS = b"\xff\xda"  # never inside entropy-coded data, where 0xFF is followed by 0x00 or a restart marker
_GIF_IMAGE = b"\x00,"  # every image descriptor but the first follows a block terminator
_JPEG, _PNG, _GIF = b"\xff\xd8", b"\x89PNG\r\n\x1a\n", b"GIF8"
_TIFF = (b"II*\x00", b"MM\x00*")
_HEIF_BRANDS = frozenset(b"ftyp" + brand for brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1",
                                                      b"msf1", b"avif", b"avis"))
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_PROGRESSIVE_SOF = frozenset({0xC2, 0xC6, 0xCA, 0xCE})
# Segments (chunks) walked before the frame header (the first IDAT): cameras and phones write fewer than 20;
# past this the size is "unknown" and the job heavy, so a header of a million tiny segments costs nothing here.
_JPEG_SEGMENTS = 64
_PNG_CHUNKS = 64


def job_cost(chain: Chain, source: bytes) -> int:
    """An estimate of the work of running `chain` on `source`, comparable to `limits.heavy_cost`."""
    if any(step.category not in LIGHT_CATEGORIES for step in chain.steps):
        return HEAVY
    actions = sum(len(step.actions) for step in chain.steps)
    return pixel_passes(source) * max(1, actions)


def pixel_passes(source: bytes) -> int:
    """Pixels x passes as the header tells; 0 for what is no image (the worker answers 400 at once), `HEAVY`
    for an image whose size cannot be told cheaply."""
    # Runs on the event loop for every miss, so it never walks more than a few header fields in Python: the
    # rest is `bytes.count`, at C speed.
    size = _header_size(source)
    if size is None:
        return HEAVY
    width, height, progressive = size
    if source.startswith(_JPEG):
        passes = max(1, source.count(_SOS) // _SCANS_PER_PASS) if progressive else 1
    elif source.startswith(_GIF):
        passes = source.count(_GIF_IMAGE) + 1  # an upper bound: image data may hold the two bytes too
    elif source.startswith(_PNG):
        passes = max(1, _png_frames(source))
    elif source[8:12] == b"WEBP":
        passes = max(1, source.count(b"ANMF"))  # an upper bound, as for GIF
    else:
        passes = 1
    return width * height * passes


def _header_size(source: bytes) -> tuple[int, int, bool] | None:
    """(width, height, progressive) from the header of a JPEG, PNG, GIF, WebP, BMP, HEIC or AVIF; (0, 0) for what
    none of them is; None when its first fields do not say (TIFF page chains, a JPEG's late frame header)."""
    if source.startswith(_JPEG):
        return _jpeg_frame(source)  # None for a frame header behind more segments than a camera writes
    if source.startswith(_PNG) and len(source) >= 24:
        width, height = struct.unpack_from(">II", source, 16)
        return width, height, False
    if source.startswith(_GIF) and len(source) >= 10:
        width, height = struct.unpack_from("<HH", source, 6)
        return width, height, False
    if source.startswith(b"BM") and len(source) >= 26:
        width, height = struct.unpack_from("<ii", source, 18)
        return abs(width), abs(height), False
    if source[8:12] == b"WEBP" or source[4:12] in _HEIF_BRANDS:
        return _by_pillow(source)  # libwebp's and libheif's own header readers, in C
    if source[:4] in _TIFF:
        return None
    return 0, 0, False


def _jpeg_frame(source: bytes) -> tuple[int, int, bool] | None:
    """The frame header (SOFn) found by walking at most `_JPEG_SEGMENTS` marker segments by their lengths."""
    offset = 2
    for _ in range(_JPEG_SEGMENTS):
        if offset + 4 > len(source) or source[offset] != 0xFF:
            return None
        marker = source[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        (length,) = struct.unpack_from(">H", source, offset + 2)
        if marker in _SOF and offset + 9 <= len(source):
            height, width = struct.unpack_from(">HH", source, offset + 5)
            return width, height, marker in _PROGRESSIVE_SOF
        offset += 2 + length
    return None


def _png_frames(source: bytes) -> int:
    """acTL's frame count (an APNG), found by walking the chunks before the first IDAT, at most a few."""
    offset = 8
    for _ in range(_PNG_CHUNKS):
        if offset + 8 > len(source):
            return 1
        length, kind = struct.unpack_from(">I4s", source, offset)
        if kind == b"acTL" and offset + 12 <= len(source):
            return struct.unpack_from(">I", source, offset + 8)[0]
        if kind == b"IDAT":
            return 1
        offset += 12 + length
    return 1


def _by_pillow(source: bytes) -> tuple[int, int, bool] | None:
    try:
        with Image.open(io.BytesIO(source)) as image:
            return image.size[0], image.size[1], False
    except Exception:  # a damaged header is the worker's to refuse (400); here it only says "unknown"
        return None
