"""Hostile sources built in the tests themselves: small files that cost a decoder far more than their size."""

import io
import struct

from PIL import Image, ImageDraw


def segments(jpeg: bytes) -> list[tuple[int, int, int]]:
    """(marker, start, end) of every segment of a baseline or progressive JPEG, a scan's entropy data included."""
    found, position = [], 2
    while position < len(jpeg):
        marker = jpeg[position + 1]
        if marker == 0xD9:
            found.append((marker, position, position + 2))
            break
        end = position + 2 + int.from_bytes(jpeg[position + 2:position + 4], "big")
        if marker == 0xDA:  # the scan runs to the next marker that is neither stuffing nor RST
            while not (jpeg[end] == 0xFF and jpeg[end + 1] not in (0x00, *range(0xD0, 0xD8))):
                end += 1
        found.append((marker, position, end))
        position = end
    return found


def repeated_scan_jpeg(copies: int, size: tuple[int, int] = (64, 64), claimed: tuple[int, int] | None = None) -> bytes:
    """A progressive JPEG whose last AC scan is spliced in `copies` more times (each a full pass for libjpeg).

    `claimed` rewrites the frame header's size (e.g. 15000x15000) without the pixels to match.
    """
    out = io.BytesIO()
    Image.effect_noise(size, 50).convert("RGB").save(out, "JPEG", progressive=True, quality=80)
    jpeg = out.getvalue()
    parts = segments(jpeg)
    scans = [(start, end) for marker, start, end in parts if marker == 0xDA]
    start, end = scans[-1]
    eoi = parts[-1][1]
    jpeg = jpeg[:eoi] + jpeg[start:end] * copies + jpeg[eoi:]
    if claimed is not None:
        sof = next(start for marker, start, _ in parts if marker == 0xC2)
        jpeg = jpeg[:sof + 5] + struct.pack(">HH", claimed[1], claimed[0]) + jpeg[sof + 9:]
    return jpeg


def gps_speed_as_text_exif() -> bytes:
    """An EXIF block whose GPS IFD stores GPSSpeed (a RATIONAL) as ASCII: Pillow reads it, cannot write it back."""
    ifd0 = struct.pack("<H", 1) + struct.pack("<HHII", 0x8825, 4, 1, 26) + struct.pack("<I", 0)
    gps = struct.pack("<H", 1) + struct.pack("<HHI4s", 0x000D, 2, 4, b"abc\0") + struct.pack("<I", 0)
    return b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 8) + ifd0 + gps


def gps_speed_as_text_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "JPEG", exif=gps_speed_as_text_exif())
    return out.getvalue()


def many_frames_gif(frames: int, side: int) -> bytes:
    """An animated GIF of `frames` flat frames, each different (a moving bar), so none is merged away."""
    images = []
    for index in range(frames):
        image = Image.new("P", (side, side), 0)
        image.putpalette([0, 0, 0, 255, 255, 255] + [0, 0, 0] * 254)
        ImageDraw.Draw(image).rectangle((index % side, 0, index % side, side // 2), fill=1)
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=40)
    return out.getvalue()


def dotted_gif(frames: int, side: int, transparent: bool = False) -> bytes:
    """A `side`x`side` GIF of `frames` one-pixel frames, written byte by byte: ~25 bytes a frame, each of
    which a decoder expands to the whole screen. One global palette: black (or transparent), white."""
    screen = b"GIF89a" + struct.pack("<HHBBB", side, side, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    one_pixel = b"\x02\x02\x4c\x01\x00"  # LZW, code size 2: clear, index 1 (white), end
    control = b"\x05" if transparent else b"\x04"  # drawn over the previous frame; index 0 transparent
    body = b"".join(
        b"\x21\xf9\x04" + control + struct.pack("<H", 4) + b"\x00\x00"  # 40 ms
        + b"\x2c" + struct.pack("<HHHH", index % side, index // side % side, 1, 1) + b"\x00" + one_pixel
        for index in range(frames)
    )
    return screen + body + b"\x3b"


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) % 2)


def big_canvas_webp(frames: int, canvas: tuple[int, int]) -> bytes:
    """An animated WebP of `frames` one-pixel frames on a `canvas`-sized canvas, written chunk by chunk:
    a few bytes a frame, each of which libwebp composites onto the whole canvas."""
    out = io.BytesIO()
    Image.new("RGBA", (1, 1), (255, 0, 0, 255)).save(out, "WEBP", lossless=True)
    still = out.getvalue()
    vp8l = still[still.index(b"VP8L"):]

    def u24(value: int) -> bytes:
        return value.to_bytes(3, "little")

    vp8x = _chunk(b"VP8X", bytes([0x12, 0, 0, 0]) + u24(canvas[0] - 1) + u24(canvas[1] - 1))  # animation, alpha
    anim = _chunk(b"ANIM", b"\x00\x00\x00\x00" + struct.pack("<H", 0))
    anmf = b"".join(
        _chunk(b"ANMF", u24(index % (canvas[0] // 2)) + u24(0) + u24(0) + u24(0) + u24(40) + b"\x00" + vp8l)
        for index in range(frames)
    )
    body = b"WEBP" + vp8x + anim + anmf
    return b"RIFF" + struct.pack("<I", len(body)) + body


def looping_tiff() -> bytes:
    """A three-page TIFF (red, green, blue) whose last page points back at the first."""
    pages = [Image.new("RGB", (20, 10), colour) for colour in ("red", "green", "blue")]
    out = io.BytesIO()
    pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:])
    data = bytearray(out.getvalue())
    first = offset = struct.unpack("<I", data[4:8])[0]
    while offset:
        next_at = offset + 2 + 12 * struct.unpack("<H", data[offset:offset + 2])[0]
        offset = struct.unpack("<I", data[next_at:next_at + 4])[0]
    data[next_at:next_at + 4] = struct.pack("<I", first)
    return bytes(data)
