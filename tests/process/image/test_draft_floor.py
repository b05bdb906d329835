"""A JPEG decoded at a reduced DCT scale and resampled stays within a PSNR floor of a full decode + Lanczos.

The floor is what `codec.DRAFT_GAP` is chosen by: 45 dB on camera-like photos for every resize mode,
including each DCT scale's worst case (the boxes where the decode is exactly DRAFT_GAP times the output).
Text and aliased line art (all their energy at sharp edges, which PSNR counts pixel by pixel) measure
36-39 dB at 2.5x, 45 dB only near a full decode, so they are held to 35 dB: the floor they keep.
"""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from proxy import samples
from proxy.grammar.image import RESIZE_MODES
from proxy.process import image as image_runner
from proxy.process.image import codec, resize
from tests.imaging import psnr

from .conftest import encoded, run_process

SIZE = (1200, 900)
# Two boxes of other shapes, then each scale's worst case: the largest output that scale serves (about
# 1200 / (scale x DRAFT_GAP) wide, in the source's 4:3).
BOXES = ((300, 300), (150, 100), (240, 180), (120, 90), (59, 44))
FLOOR_DB = {"photo": 45.0, "text": 35.0, "line art": 35.0}


def line_art() -> bytes:
    rng = np.random.default_rng(1)
    image = Image.new("RGB", SIZE, "white")
    draw = ImageDraw.Draw(image)
    for _ in range(120):
        ends = rng.integers(0, SIZE[0], 2), rng.integers(0, SIZE[1], 2)
        draw.line((int(ends[0][0]), int(ends[1][0]), int(ends[0][1]), int(ends[1][1])), fill="black",
                  width=int(rng.integers(1, 3)))
    return encoded(image, "jpg", quality=90)


def text() -> bytes:
    image = Image.new("RGB", SIZE, "white")
    draw = ImageDraw.Draw(image)
    top, sizes = 0, (10, 12, 14, 18, 24, 32)
    for row in range(SIZE[1]):
        if top >= SIZE[1]:
            break
        size = sizes[row % len(sizes)]
        draw.text((5, top), "The quick brown fox jumps over the lazy dog 0123456789 " * 3, fill="black",
                  font=ImageFont.load_default(size=size))
        top += size + 4
    return encoded(image, "jpg", quality=90)


CORPUS = {"photo": samples.camera_jpeg(*SIZE), "text": text(), "line art": line_art()}


def pixels(process: str, data: bytes) -> np.ndarray:
    body = run_process(f"{process}/format,png", data).body  # lossless: the resampled pixels themselves
    return np.asarray(Image.open(io.BytesIO(body)).convert("RGB"), dtype=np.float64)


@pytest.mark.parametrize("mode", RESIZE_MODES)
@pytest.mark.parametrize("kind", CORPUS)
def test_a_draft_decode_stays_within_the_floor_of_a_full_decode(monkeypatch, mode, kind):
    data = CORPUS[kind]
    processes = [f"image/resize,m_{mode},w_{w},h_{h}" for w, h in BOXES]
    drafted = [pixels(process, data) for process in processes]
    # The reference: the same geometry from a full decode, resampled by Lanczos alone.
    monkeypatch.setattr(image_runner, "needed_size", lambda steps, size: None)
    monkeypatch.setattr(resize, "REDUCING_GAP", None)
    for process, draft in zip(processes, drafted, strict=True):
        assert psnr(draft, pixels(process, data)) >= FLOOR_DB[kind], process


@pytest.mark.parametrize(("width", "decoded"), [(240, (600, 450)), (239, (600, 450)), (241, (1200, 900)),
                                               (120, (300, 225)), (60, (300, 225)), (59, (150, 113)),
                                               (10, (150, 113))])
def test_the_decode_scale_is_the_smallest_at_least_the_gap_times_the_output(monkeypatch, width, decoded):
    """Not a full decode in disguise, nor a smaller one than the floor allows."""
    assert codec.DRAFT_GAP == 2.5
    seen = []
    real_resample = resize._resample

    def render(frame, **kwargs):
        seen.append(frame.size)
        return real_resample(frame, **kwargs)

    monkeypatch.setattr(resize, "_resample", render)
    run_process(f"image/resize,w_{width}", CORPUS["photo"])
    assert seen == [decoded]
