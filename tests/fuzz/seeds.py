"""The valid files the fuzzer starts from, one family per format, small so mutations land in the headers.

Images come from Pillow (and pillow-heif), the MP4s from the video tests' generator, one PDF by hand
(text, a font and a drawing) and one from Pillow (two image pages), the RTF and DOCX by hand (the smallest
files LibreOffice reads, so a mutation rarely lands in padding).
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageCms, ImageDraw
from PIL.PngImagePlugin import PngInfo

from tests.process.doc.linked import docx_package
from tests.process.image.conftest import encoded
from tests.process.mediafiles import video

from .mutate import Seed

SIZE = (96, 64)


def picture(size: tuple[int, int] = SIZE, shift: int = 0) -> Image.Image:
    """A gradient with a disc and some noise: every encoder has real detail to code."""
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.ellipse((width // 4, height // 4, 3 * width // 4, 3 * height // 4), fill=(200, 40 + shift, 90))
    noise = random.Random(shift)
    for _ in range(width * height // 16):
        image.putpixel((noise.randrange(width), noise.randrange(height)), (noise.randrange(256),) * 3)
    return image


def frames(count: int, size: tuple[int, int] = (48, 32)) -> list[Image.Image]:
    return [picture(size, shift=40 * index).convert("RGBA") for index in range(count)]


def exif_bytes() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90°
    exif[0x010F] = "Osprey"  # Make
    exif[0x0131] = "fuzz seed"  # Software
    return exif.tobytes()


def image_seeds() -> dict[str, list[Seed]]:
    """Per format: the variants whose decoders differ (progressive JPEG, palette PNG, animations, pages)."""
    rgb, dims = picture(), SIZE
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    cmyk = rgb.convert("CMYK")
    anim = frames(3)
    tiff_pages = [picture((40, 30)), picture((30, 40), shift=80)]
    palette = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    grey16 = rgb.convert("L").convert("I").point(lambda value: value * 257).convert("I;16")
    return {
        "jpeg": [
            Seed("jpeg-baseline-exif", encoded(rgb, "jpg", quality=75, exif=exif_bytes()), dims),
            Seed("jpeg-progressive-icc", encoded(rgb, "jpg", progressive=True, icc_profile=srgb), dims),
            Seed("jpeg-cmyk", encoded(cmyk, "jpg", quality=80), dims),
        ],
        "png": [
            Seed("png-rgba-text", encoded(rgb.convert("RGBA"), "png", pnginfo=_png_text()), dims),
            Seed("png-palette-trns", encoded(palette, "png", transparency=3), dims),
            Seed("png-interlaced-grey16", encoded(grey16, "png", interlace=True), dims),
        ],
        "gif": [
            Seed("gif-animated", encoded(anim[0], "gif", save_all=True, append_images=anim[1:],
                                         duration=[40, 50, 60], loop=0), (48, 32)),
        ],
        "webp": [
            Seed("webp-animated", encoded(anim[0], "webp", save_all=True, append_images=anim[1:],
                                          duration=[40, 50, 60], loop=0, quality=60), (48, 32)),
            Seed("webp-lossless-exif", encoded(rgb, "webp", lossless=True, exif=exif_bytes()), dims),
        ],
        "tiff": [
            Seed("tiff-pages-lzw", encoded(tiff_pages[0], "tiff", save_all=True, append_images=tiff_pages[1:],
                                           compression="tiff_lzw"), (40, 30)),
            Seed("tiff-raw-exif", encoded(rgb, "tiff", exif=exif_bytes()), dims),
        ],
        "heic": [Seed("heic", encoded(rgb, "heic", quality=50), dims)],
        "avif": [Seed("avif", encoded(rgb.convert("RGBA"), "avif", quality=50), dims)],
    }


def _png_text() -> PngInfo:
    info = PngInfo()
    info.add_text("Comment", "fuzz seed")
    info.add_itxt("Description", "zipped text", zip=True)
    return info


def pdf_seeds() -> list[Seed]:
    pages = [Image.new("RGB", (200, 300), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=72)
    return [Seed("pdf-text", text_pdf(), (200, 300)), Seed("pdf-images", out.getvalue(), (200, 300))]


def text_pdf() -> bytes:
    """One 200x300 pt page with a line of Helvetica and a filled rectangle, with a correct xref."""
    content = b"BT /F1 18 Tf 20 250 Td (Osprey fuzz seed) Tj ET 0.2 0.4 0.8 rg 20 20 160 120 re f"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 300] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def mp4_seeds() -> list[Seed]:
    return [
        Seed("mp4-h264-aac", video("libx264", frames=10, audio=True), (64, 48)),
        Seed("mp4-hevc-rotated", video("libx265", frames=6, rotation=-90), (64, 48)),
    ]


RTF = (
    rb"{\rtf1\ansi\deff0{\fonttbl{\f0 Times New Roman;}{\f1 Courier New;}}{\colortbl;\red255\green0\blue0;}"
    rb"\paperw11906\paperh16838 {\b Osprey} fuzz seed \cf1 red\cf0  and {\f1\i mono} \u8364? text.\par"
    rb"\trowd\cellx2000\cellx4000 alpha\cell beta\cell\row"
    rb"\page Page two.\par}"
)
_DOCX_BODY = (
    '<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Osprey fuzz seed</w:t></w:r></w:p>'
    '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>alpha</w:t></w:r></w:p></w:tc>'
    '<w:tc><w:p><w:r><w:t>beta</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'
    '<w:p><w:r><w:br w:type="page"/><w:t>Page two</w:t></w:r></w:p>'
    '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr>'
)


def docx() -> bytes:
    """The smallest Word document LibreOffice reads: content types, one relationship, two pages."""
    return docx_package(_DOCX_BODY)


def doc_seeds() -> dict[str, Seed]:
    return {"rtf": Seed("rtf", RTF), "docx": Seed("docx", docx())}
