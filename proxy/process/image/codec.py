"""Decode once and encode once per chain, with OSS's source limits checked on the header first.

Decoding: `Image.open` reads only the header, so dimensions, frame count, a JPEG's scan count and the
memory decoding will take are checked against `Limits` before any pixel is allocated; whatever a
decoder raises on a hostile file is a 400, never a 500, and metadata that cannot be read or rewritten
is dropped rather than failing the request. Frames are normalised to L, LA, RGB or RGBA (all frames of
an animation to RGBA, except a GIF's palette frames, held as they are until an action reads them).
JPEGs are decoded at a reduced DCT scale when the chain only shrinks.
Encoding: the target format's rules (alpha on white for JPG, quality for lossy formats, optimised
Huffman tables and progressive JPG), keeping the source's ICC profile and EXIF (EXIF only while it fits
one JPEG APP1 segment, so the Orientation tag keeps describing the pixels just as it did in the source).
"""

from __future__ import annotations

import io
import math
import struct
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pillow_heif
from PIL import GifImagePlugin, Image, ImageCms, TiffImagePlugin, UnidentifiedImageError

from proxy.errors import OssError, image_too_large
from proxy.limits import Limits
from proxy.process.image import budget
from proxy.process.image.gif_frames import count_frames
from proxy.process.image.jpeg_scans import count_scans
from proxy.process.image.quality import output_quality
from proxy.process.image.state import HEADER_ONLY, ImageState, Size, SourceHeader, workable
from proxy.process.output import Output

pillow_heif.register_heif_opener()
# Pillow's global bomb guard (≈ 179 M px) is stricter than OSS's 250 M px; `check_source` replaces it
# with the configured limits, applied to the header before anything is decoded.
Image.MAX_IMAGE_PIXELS = None
# GIF frames stay P (one byte a pixel) while they share a palette, rather than RGB from the second one.
GifImagePlugin.LOADING_STRATEGY = GifImagePlugin.LoadingStrategy.RGB_AFTER_DIFFERENT_PALETTE_ONLY
Image.init()

EC_UNSUPPORTED = "0040-00000005"
EC_SOURCE_TOO_LARGE = "0040-00000009"
EC_OUTPUT_TOO_LARGE = "0040-00000007"
EC_WEBP_TOO_LARGE = "0040-00000011"
EC_DECODE_TOO_LARGE = budget.EC_DECODE_TOO_LARGE
EC_CORRUPT = {"heic": "0040-00000020", "avif": "0040-00000021"}
WEBP_MAX_SIDE = 16_383
# What Pillow and its plugins (libjpeg, libpng, libwebp, libheif, libavif, libtiff) raise on bytes they
# cannot make sense of: each is the file's fault, so each is a 400 at the decode boundary. MemoryError
# is not among them: running out of memory is the worker's limit, not a verdict on the file.
DECODE_ERRORS: tuple[type[Exception], ...] = (
    OSError, SyntaxError, ValueError, TypeError, struct.error, EOFError, RuntimeError, IndexError,
    KeyError, ZeroDivisionError, OverflowError, Image.DecompressionBombError,
)

# Pillow's format name → the OSS name; MPO is how Pillow names camera JPEGs with a preview image.
SOURCE_FORMATS = {
    "JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "BMP": "bmp",
    "TIFF": "tiff", "HEIF": "heic", "AVIF": "avif",
}
# The openers this Pillow build has: MPO opens through JPEG's, AVIF needs a build with libavif.
_OPENERS = tuple(name for name in SOURCE_FORMATS if name in Image.OPEN)
# OSS name → (Pillow encoder, media type), image §1.3.
TARGET_FORMATS = {
    "jpg": ("JPEG", "image/jpeg"), "png": ("PNG", "image/png"), "webp": ("WEBP", "image/webp"),
    "bmp": ("BMP", "image/bmp"), "gif": ("GIF", "image/gif"), "tiff": ("TIFF", "image/tiff"),
    "heic": ("HEIF", "image/heic"), "avif": ("AVIF", "image/avif"),
}
ANIMATED_FORMATS = frozenset({"gif", "webp"})
LOSSY_FORMATS = frozenset({"jpg", "webp", "avif", "heic"})
_ICC_FORMATS = frozenset({"jpg", "png", "webp", "tiff", "avif", "heic"})
_EXIF_FORMATS = frozenset({"jpg", "png", "webp", "avif", "heic"})
_MAX_EXIF_BYTES = 65_533
# A JPEG is decoded at the smallest DCT scale (1/2, 1/4, 1/8) still ≥ this many times the size the chain
# needs, then resampled by Lanczos. Chosen by a measured floor (tests/process/image/test_draft_floor.py,
# every resize mode, at each scale's worst case, where the decode is exactly this factor larger): a
# camera-like photo stays ≥ 46 dB PSNR from a full decode + Lanczos at 2.5x; at 2x (the old rule) it falls
# to 43.8 dB, at 1x below 38 dB. Text and line art measure 36-39 dB at 2.5x (PSNR counts every edge pixel).
DRAFT_GAP = 2.5
_SRGB = ImageCms.createProfile("sRGB")

# The IJG (libjpeg) base tables in natural order; a quality-Q table is these scaled (Annex K).
_LUMA = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)
_CHROMA = (
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    *(99,) * 32,
)

NeededSize = Callable[[Size], Size | None]


def decode(data: bytes, limits: Limits, needed: NeededSize | None = None) -> ImageState:
    """Decode `data` after checking its header against `limits`; a JPEG at the largest DCT reduction that stays
    `DRAFT_GAP` times the size `needed(header_size)` returns, if it returns one (`HEADER_ONLY`: no frame)."""
    image = _open(data)
    fmt = SOURCE_FORMATS[image.format or ""]
    try:
        return _decode(image, fmt, data, limits, needed)
    except DECODE_ERRORS as exc:
        raise _corrupt(fmt, exc) from None


def _decode(image: Image.Image, fmt: str, data: bytes, limits: Limits, needed: NeededSize | None) -> ImageState:
    if fmt == "gif":
        check_gif_frames(data, limits)
    frame_count = _frame_count(image, fmt)
    check_source(image.size, frame_count, limits)
    size = image.size
    header = _header(image, fmt, len(data), frame_count)
    target = needed(size) if needed is not None else None
    if target == HEADER_ONLY:
        return ImageState(frames=(), size=size, source_format=fmt, target_format=fmt, header=header)
    if fmt == "jpg":
        check_jpeg_scans(data, limits)
        if target is not None:
            image.draft(None, (math.ceil(target[0] * DRAFT_GAP), math.ceil(target[1] * DRAFT_GAP)))
    budget.check_decoded(budget.decoded_bytes(image, fmt, frame_count, size), limits)
    # A CMYK profile no longer describes the pixels once `_normalize` has made them sRGB.
    icc = image.info.get("icc_profile") if image.mode != "CMYK" else None
    loop = image.info.get("loop") if frame_count > 1 else None
    frames, durations = _load_frames(image, frame_count, limits)
    return ImageState(
        frames=frames,
        size=size,
        source_format=fmt,
        target_format=fmt,
        durations=durations,
        loop=loop,
        source_quality=estimate_jpeg_quality(image.quantization) if fmt == "jpg" else None,
        exif=_exif(image),
        icc=icc or None,
        header=header,
        max_bytes=limits.max_decoded_bytes,
    )


def check_source(size: Size, frames: int, limits: Limits) -> None:
    """OSS's source limits (image §2): each side ≤ max_side, width * height * frames ≤ max_pixels."""
    width, height = size
    if max(width, height) > limits.max_side:
        raise image_too_large(
            f"The source image is {width}x{height}; each side must be at most "
            f"{limits.max_side} px (limits.max_side).", EC_SOURCE_TOO_LARGE,
        )
    if frames > limits.max_frames:
        raise image_too_large(
            f"The source image has {frames} frames; at most {limits.max_frames} are allowed "
            "(limits.max_frames).", EC_DECODE_TOO_LARGE,
        )
    if width * height * frames > limits.max_pixels:
        raise image_too_large(
            f"The source image is {width}x{height}x{frames} frames = {width * height * frames} px; "
            f"at most {limits.max_pixels} are allowed (limits.max_pixels).", EC_DECODE_TOO_LARGE,
        )


def check_output(size: Size, limits: Limits) -> None:
    """The limits on an image an action creates (image §2: each side ≤ 16 384, ≤ 16 777 216 px)."""
    width, height = size
    if max(width, height) > limits.max_output_side or width * height > limits.max_output_pixels:
        raise image_too_large(
            f"The result would be {width}x{height}; each side must be at most "
            f"{limits.max_output_side} px and the area at most {limits.max_output_pixels} px.",
            EC_OUTPUT_TOO_LARGE,
        )


def check_output_frames(size: Size, frames: int, limits: Limits) -> None:
    """`check_output`, and the `frames` RGBA frames about to be made (every one of an animation's) fit
    `limits.max_decoded_bytes`, as the decoded ones had to."""
    check_output(size, limits)
    width, height = size
    held = width * height * budget.RGBA_BYTES * frames
    budget.check_decoded(held, limits, f"{frames} frames of {width}x{height}")


def check_gif_frames(data: bytes, limits: Limits) -> None:
    """400 for a GIF of more than `limits.max_frames` frames, found without walking all of them."""
    if count_frames(data, stop_after=limits.max_frames) > limits.max_frames:
        raise image_too_large(
            f"The source GIF has more than {limits.max_frames} frames; at most {limits.max_frames} are "
            "allowed (limits.max_frames).", EC_DECODE_TOO_LARGE,
        )


def check_jpeg_scans(data: bytes, limits: Limits) -> None:
    """400 before decoding a JPEG with more scans than `limits.max_jpeg_scans` (each costs a full pass)."""
    scans = count_scans(data, stop_after=limits.max_jpeg_scans)
    if scans > limits.max_jpeg_scans:
        raise image_too_large(
            f"The source JPEG has more than {limits.max_jpeg_scans} scans; at most {limits.max_jpeg_scans} "
            "are allowed (limits.max_jpeg_scans).", EC_DECODE_TOO_LARGE,
        )


def encode(state: ImageState) -> Output:
    """Encode in `state.target_format`; animations stay animated only in GIF and WebP."""
    fmt = state.target_format
    encoder, media_type = TARGET_FORMATS[fmt]
    if fmt == "webp" and max(state.size) > WEBP_MAX_SIDE:
        raise image_too_large(
            f"WebP output is limited to {WEBP_MAX_SIDE} px per side; the image is "
            f"{state.size[0]}x{state.size[1]}.", EC_WEBP_TOO_LARGE,
        )
    frames = state.frames if fmt in ANIMATED_FORMATS else (state.frame(),)
    options = _options(state, fmt)
    if len(frames) > 1:
        options |= _animation_options(state, fmt, frames)
    out = io.BytesIO()
    _encodable(frames[0], fmt).save(out, encoder, **options)
    return Output(out.getvalue(), media_type)


def estimate_jpeg_quality(tables: Mapping[int, Sequence[int]]) -> int | None:
    """The IJG quality (1-100) whose scaled base tables are nearest the file's quantisation tables: exact for
    libjpeg's (Pillow, most cameras' software), the nearest for others; ties go to the higher quality."""
    # A tie goes up so that a re-encode never loses more than the source did. libjpeg's own tables are a
    # dictionary lookup; others one vectorised distance to the tables precomputed at import.
    if not tables:
        return None
    signature = (tuple(tables[0]), tuple(tables[1]) if 1 in tables else None)
    if (exact := _EXACT_QUALITY.get(signature)) is not None:
        return exact
    distance = _table_distance(tables[0], _LUMA_BY_QUALITY)
    if 1 in tables:
        distance += _table_distance(tables[1], _CHROMA_BY_QUALITY)
    return _QUALITIES[int(distance.argmin())]  # the first minimum: the highest of equally near qualities


def _table_distance(table: Sequence[int], by_quality: np.ndarray) -> np.ndarray:
    """The L1 distance of one 64-entry table to each row of `by_quality`."""
    values = np.asarray(table, dtype=np.int64)
    if values.shape != (64,):
        raise ValueError(f"a JPEG quantisation table has 64 entries, not {values.size}")
    return np.abs(by_quality - values).sum(axis=1)


def _scaled(base: Sequence[int], quality: int) -> list[int]:
    """libjpeg's `jpeg_quality_scaling` + `jpeg_add_quant_table` with force_baseline."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return [min(max((value * scale + 50) // 100, 1), 255) for value in base]


# Highest quality first, so that `argmin` breaks ties towards it.
_QUALITIES = tuple(range(100, 0, -1))
_LUMA_BY_QUALITY = np.array([_scaled(_LUMA, quality) for quality in _QUALITIES], dtype=np.int64)
_CHROMA_BY_QUALITY = np.array([_scaled(_CHROMA, quality) for quality in _QUALITIES], dtype=np.int64)
# (luma, chroma or None) exactly as libjpeg writes them → quality; lowest first, so that of qualities
# writing the same tables the highest stays.
_EXACT_QUALITY = {
    (tuple(luma), chroma): quality
    for quality in range(1, 101)
    for luma in (_scaled(_LUMA, quality),)
    for chroma in (tuple(_scaled(_CHROMA, quality)), None)
}


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=_OPENERS)
    except (UnidentifiedImageError, *DECODE_ERRORS):
        raise OssError(
            400, "BadRequest",
            "The source object is not an image in a supported format (jpg, png, webp, gif, bmp, "
            "tiff, heic, avif).", EC_UNSUPPORTED,
        ) from None
    return image


def _frame_count(image: Image.Image, fmt: str) -> int:
    """Frames that count: those of an animation; a TIFF's pages or an MPO's preview do not."""
    if fmt not in ANIMATED_FORMATS:
        return 1
    return int(getattr(image, "n_frames", 1))


def _header(image: Image.Image, fmt: str, byte_size: int, frame_count: int) -> SourceHeader:
    """Read from what `Image.open` parsed: nothing here touches pixel data."""
    unit, density = image.info.get("jfif_unit"), image.info.get("jfif_density")
    jfif = (unit, *density) if unit is not None and density else None
    # A TIFF's tags are its own first IFD, already parsed by `Image.open`, not an embedded block.
    exif = _exif(image) if fmt == "tiff" else image.info.get("exif")
    return SourceHeader(byte_size, frame_count, jfif, exif or None)


def _exif(image: Image.Image) -> bytes | None:
    """The source EXIF, re-serialised, while it fits one JPEG APP1 segment; unreadable EXIF is dropped."""
    try:
        exif = image.getexif()
        raw = exif.tobytes() if exif else b""
    # e.g. a RATIONAL tag stored as text: Pillow reads it, then cannot write it (AttributeError when a
    # text tag is retyped as a fraction)
    except (*DECODE_ERRORS, AttributeError):
        return None
    return raw if 0 < len(raw) <= _MAX_EXIF_BYTES else None


def _load_frames(
    image: Image.Image, count: int, limits: Limits,
) -> tuple[tuple[Image.Image, ...], tuple[int, ...]]:
    """The frames, normalised; an animation's decoded bytes are counted again as its frames are
    decoded, in case its header understated them."""
    if count == 1:
        image.load()
        return (_normalize(image),), ()
    frames, durations, held = [], [], 0
    # A GIF frame may grow the canvas past the header's size, and seeking to it already allocates (the
    # region the frame disposes of): Pillow's own guard, off elsewhere, refuses past twice max_pixels.
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        for index in range(count):
            image.seek(index)
            check_source(image.size, count, limits)
            image.load()  # WebP sets a frame's duration only once it is loaded
            frame = image.copy() if image.mode == "P" else image.convert("RGBA")
            held += budget.frame_bytes(frame)
            budget.check_decoded(held, limits)
            frames.append(frame)
            durations.append(int(image.info.get("duration", 0)))
    except Image.DecompressionBombError:
        raise image_too_large(
            f"A frame of the source image needs more than {limits.max_pixels} px (limits.max_pixels).",
            EC_DECODE_TOO_LARGE,
        ) from None
    finally:
        Image.MAX_IMAGE_PIXELS = None
    return tuple(frames), tuple(durations)


def _normalize(image: Image.Image) -> Image.Image:
    """One of L, LA, RGB, RGBA, so every action and encoder sees a small set of modes."""
    mode = image.mode
    if mode in ("L", "LA", "RGB", "RGBA"):
        return image
    if mode == "CMYK":
        return _cmyk_to_srgb(image, image.info.get("icc_profile"))
    if mode.startswith("I"):  # 16-bit grey: scale to 8 bits rather than clip
        return image.point(lambda value: value * (1 / 257)).convert("L")
    if mode in ("1", "F"):
        return image.convert("L")
    return image.convert("RGBA" if image.has_transparency_data else "RGB")


def _cmyk_to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Colour-manage a CMYK JPEG through its own profile when it has one."""
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, profile, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile: fall back to Pillow's plain conversion
    return image.convert("RGB")


def _corrupt(fmt: str, exc: BaseException) -> OssError:
    return OssError(
        400, "BadRequest", f"The source {fmt} image is corrupt or truncated and cannot be decoded ({exc}).",
        EC_CORRUPT.get(fmt, EC_UNSUPPORTED),
    )


def _encodable(frame: Image.Image, fmt: str) -> Image.Image:
    """What `fmt` can store: alpha over white for JPG (image §4.5), RGBA for BMP's LA, GIF's alpha cut at half
    (else resampled edges grow halos), an untouched TIFF source copied (its maybe damaged tags not rewritten)."""
    if fmt == "jpg" and frame.mode in ("LA", "RGBA"):
        flat = Image.new(frame.mode[:-1], frame.size, "white")
        flat.paste(frame, mask=frame.getchannel("A"))
        return flat
    if fmt == "gif" and frame.mode in ("LA", "RGBA"):
        frame = frame.copy()
        frame.putalpha(frame.getchannel("A").point(lambda alpha: 255 if alpha >= 128 else 0))
        return frame
    if fmt == "bmp" and frame.mode == "LA":
        return frame.convert("RGBA")
    if fmt == "tiff" and isinstance(frame, TiffImagePlugin.TiffImageFile):
        return frame.copy()
    return frame


def _options(state: ImageState, fmt: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if fmt in LOSSY_FORMATS:
        options["quality"] = output_quality(state)
    if fmt == "jpg":
        # Huffman tables fitted to the image: the same pixels in 5-14 % fewer bytes, for well under a
        # millisecond at web sizes (OSS's own JPEGs are optimised baseline: rotate,90 of the SDK sample
        # comes out byte for byte the size OSS's does).
        options["optimize"] = True
        if state.progressive:
            options["progressive"] = True
    if fmt == "tiff":
        options["compression"] = "tiff_lzw"
    if state.icc and fmt in _ICC_FORMATS:
        options["icc_profile"] = state.icc
    if state.exif and fmt in _EXIF_FORMATS:
        options["exif"] = state.exif
    return options


def _animation_options(state: ImageState, fmt: str, frames: Sequence[Image.Image]) -> dict[str, Any]:
    """Timing and looping (a GIF without a loop count plays once, which WebP must be told: loop 1), and
    disposal 2 for a transparent GIF, since frames are whole pictures, not drawn over each other."""
    # Frames reach the encoder one by one, made encodable as it takes them (Pillow's GIF writer keeps only its
    # palette copy), not as a second set held at once.
    options: dict[str, Any] = {
        "save_all": True, "append_images": (_encodable(frame, fmt) for frame in frames[1:]),
        "duration": list(state.durations),
    }
    if state.loop is not None or fmt == "webp":
        options["loop"] = 1 if state.loop is None else state.loop
    if fmt == "gif" and any(_cut_out(frame) for frame in frames):
        options["disposal"] = 2
    return options


def _cut_out(frame: Image.Image) -> bool:
    """Whether the GIF form of `frame` (alpha cut at half, as `_encodable` does) has transparent pixels."""
    if frame.mode == "P" and "transparency" in frame.info:
        frame = workable(frame)
    return frame.mode in ("LA", "RGBA") and frame.getchannel("A").getextrema()[0] < 128
