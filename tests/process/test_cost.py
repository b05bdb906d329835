"""The cost estimate that picks a job's lane: read from the chain and the source's header, before any work."""

import io
import struct

import pytest
from PIL import Image

import proxy.process.catalog  # noqa: F401  (the registry the grammar parses against)
from proxy import samples
from proxy.limits import Limits
from proxy.process.cost import HEAVY, job_cost, pixel_passes
from proxy.process.grammar import parse_process

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
    assert job_cost(parse_process("image/resize,w_300/quality,Q_90"), photo) == 4000 * 3000 * 2 < HEAVY_COST
    assert job_cost(parse_process("image/" + "/".join(["blur,r_50,s_50"] * 20)), photo) >= HEAVY_COST


@pytest.mark.parametrize("process", ["doc/snapshot,page_1", "video/snapshot,t_1000", "audio/convert,f_mp3"])
def test_documents_video_and_audio_are_heavy_whatever_their_size(process):
    assert job_cost(parse_process(process), b"tiny") == HEAVY


def test_frames_count_for_a_gif_the_header_alone_would_call_small():
    gif = _gif(500, 1000)
    assert Image.open(io.BytesIO(gif)).n_frames == 1000
    assert pixel_passes(gif) >= 500 * 500 * 1000
    assert job_cost(parse_process("image/resize,w_100"), gif) >= HEAVY_COST
    assert pixel_passes(samples.animated_gif(300, 20)) < 300 * 300 * 40  # an ordinary animation stays near its size


def test_repeated_scans_count_for_a_progressive_jpeg():
    plain = _progressive(2000, 0)
    assert pixel_passes(plain) == 2000 * 2000
    assert pixel_passes(_progressive(2000, 600)) >= 2000 * 2000 * 60
    assert job_cost(parse_process("image/resize,w_100"), _progressive(2000, 600)) >= HEAVY_COST


def test_what_is_no_image_costs_nothing_here():
    assert pixel_passes(b"not an image at all") == 0
