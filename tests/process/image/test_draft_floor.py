"""A JPEG decoded at a reduced DCT scale and resampled stays within a PSNR floor of a full decode + Lanczos.

The floor is what `codec.DRAFT_GAP` is chosen by: 45 dB on camera-like photos and on text, for every
resize mode. Aliased one-pixel line art (black on white, all its energy at the edges) stays near 41 dB at
any DCT reduction, so it is held to 40 dB: the draft must not make it worse than that.
"""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from proxy import samples
from proxy.process import image as image_runner
from proxy.process.image import resize

from .conftest import encoded, run_process

SIZE = (1200, 900)
BOXES = ((300, 300), (590, 400), (150, 100), (450, 340), (160, 1000))
FLOOR_DB = {"photo": 45.0, "text": 45.0, "line art": 40.0}


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


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape
    mse = float(((a - b) ** 2).mean())
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


@pytest.mark.parametrize("mode", resize.MODES)
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


def test_the_draft_decode_reduces_the_scale_when_the_floor_allows(monkeypatch):
    """Not a full decode in disguise: a 12x shrink decodes at a quarter scale (4x smaller per side)."""
    seen = []
    real_render = resize._render

    def render(frame, **kwargs):
        seen.append(frame.size)
        return real_render(frame, **kwargs)

    monkeypatch.setattr(resize, "_render", render)
    run_process("image/resize,w_100", CORPUS["photo"])
    assert seen == [(300, 225)]
