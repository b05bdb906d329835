"""The cost estimate that picks a job's lane: read from the chain and the source's header, before any work."""

import io
import struct

import pytest
from PIL import Image

from proxy import samples
from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process.cost import HEAVY, job_cost, pixel_passes

HEAVY_COST = Limits().heavy_cost


def _gif(side: int, frames: int) -> bytes:
    """One-pixel frames on a `side`-pixel canvas, as an attacker writes them (Pillow merges equal frames)."""
    head = b"GIF89a" + struct.pack("<HHBBB", side, side, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    body = b"".join(b"\x21\xf9\x04\x04\x02\x00\x00\x00\x2c" + struct.pack("<HHHHB", n % side, 0, 1, 1, 0)
                    + b"\x02\x02\x44\x01\x00" for n in range(frames))
    return head + body + b"\x3b"


def _progressive(side: int, extra_scans: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (side, side), 128).save(out, "JPEG", progressive=True)
    data = out.getvalue()
    scan = data.rindex(b"\xff\xda")  # the last scan, up to EOI, repeated
    return data[:-2] + data[scan:-2] * extra_scans + data[-2:]


def test_an_ordinary_thumbnail_is_cheap_and_large_work_is_heavy():
    photo = samples.photo_jpeg(4000, 3000)
    assert job_cost(parse_process("image/resize,w_300/quality,Q_90", OSS), photo) == 4000 * 3000 * 2 < HEAVY_COST
    assert job_cost(parse_process("image/" + "/".join(["blur,r_50,s_50"] * 20), OSS), photo) >= HEAVY_COST


@pytest.mark.parametrize("process", ["doc/snapshot,page_1", "video/snapshot,t_1000", "audio/convert,f_mp3"])
def test_documents_video_and_audio_are_heavy_whatever_their_size(process):
    assert job_cost(parse_process(process, OSS), b"tiny") == HEAVY


def test_frames_count_for_a_gif_the_header_alone_would_call_small():
    gif = _gif(500, 1000)
    assert Image.open(io.BytesIO(gif)).n_frames == 1000
    assert pixel_passes(gif) >= 500 * 500 * 1000
    assert job_cost(parse_process("image/resize,w_100", OSS), gif) >= HEAVY_COST
    assert pixel_passes(samples.animated_gif(300, 20)) < 300 * 300 * 40  # an ordinary animation stays near its size


def test_repeated_scans_count_for_a_progressive_jpeg():
    plain = _progressive(2000, 0)
    assert pixel_passes(plain) == 2000 * 2000
    assert pixel_passes(_progressive(2000, 600)) >= 2000 * 2000 * 60
    assert job_cost(parse_process("image/resize,w_100", OSS), _progressive(2000, 600)) >= HEAVY_COST


def test_what_is_no_image_costs_nothing_here():
    assert pixel_passes(b"not an image at all") == 0


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "BMP", "HEIF", "AVIF"])
def test_the_header_tells_each_format_its_size(fmt):
    import pillow_heif

    pillow_heif.register_heif_opener()
    passes = pixel_passes(_encoded(Image.new("RGB", (640, 360), "red"), fmt))
    assert passes == 640 * 360 or (fmt == "GIF" and passes == 2 * 640 * 360)  # GIF frames: counted from above


def test_an_apngs_frames_count_from_its_actl_chunk():
    frames = [Image.new("RGB", (100, 80), (n, 0, 0)) for n in range(0, 250, 50)]
    apng = _encoded(frames[0], "PNG", save_all=True, append_images=frames[1:])
    assert pixel_passes(apng) == 100 * 80 * 5


def test_an_exif_thumbnails_frame_header_is_not_taken_for_the_images():
    thumbnail = _encoded(Image.new("RGB", (160, 120)), "JPEG")
    main = _encoded(Image.new("RGB", (4000, 3000)), "JPEG")
    app1 = b"Exif\x00\x00" + thumbnail
    with_thumbnail = main[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + main[2:]
    assert pixel_passes(with_thumbnail) == 4000 * 3000


def test_a_header_that_hides_its_size_behind_many_segments_is_heavy_without_walking_them():
    main = _encoded(Image.new("RGB", (64, 64)), "JPEG")
    comments = b"\xff\xfe\x00\x02" * 1_000_000  # a million empty COM segments before the frame header
    assert pixel_passes(main[:2] + comments + main[2:]) == HEAVY


@pytest.mark.parametrize("source", [b"\xff\xd8\xff", b"RIFF\x00\x00\x00\x00WEBPVP8X", b"\x00\x00\x00\x1cftypavif"])
def test_a_damaged_header_is_heavy_not_an_error(source):
    assert pixel_passes(source) == HEAVY


def test_a_tiff_page_chain_is_heavy():
    assert pixel_passes(_encoded(Image.new("RGB", (10, 10)), "TIFF")) == HEAVY
