"""Helpers for image tests: build sources with Pillow, run process strings through grammar + runner."""

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from proxy.errors import OssError
from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process.output import Output
from proxy.process.runner import run_chain

# The OSS SDKs' 400x267 sample photo, kept in the repository (tests/fixtures/README.md).
EXAMPLE_JPG = Path(__file__).resolve().parents[2] / "fixtures" / "example.jpg"
PIL_NAMES = {
    "jpg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF", "bmp": "BMP", "tiff": "TIFF",
    "heic": "HEIF", "avif": "AVIF",
}


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, PIL_NAMES[fmt], **options)
    return out.getvalue()


def run_process(text: str, data: bytes, limits: Limits | None = None) -> Output:
    return run_chain(parse_process(text, OSS), data, "application/octet-stream", limits or Limits())


def opened(output: Output) -> Image.Image:
    return Image.open(io.BytesIO(output.body))


@pytest.fixture
def encode() -> Callable[..., bytes]:
    """encode(image, "png", **options) -> bytes"""
    return encoded


@pytest.fixture
def run() -> Callable[..., Output]:
    """run("image/resize,w_10", data) -> Output, through parse_process and run_chain."""
    return run_process


@pytest.fixture
def render() -> Callable[..., Image.Image]:
    """render(process, data) -> the decoded output image."""
    return lambda text, data, limits=None: opened(run_process(text, data, limits))


@pytest.fixture
def fails() -> Callable[..., OssError]:
    """fails(process, data) -> the OssError that parsing or running raised."""

    def check(text: str, data: bytes = b"", limits: Limits | None = None) -> OssError:
        with pytest.raises(OssError) as info:
            run_process(text, data, limits)
        return info.value

    return check


@pytest.fixture
def example_jpg() -> bytes:
    return EXAMPLE_JPG.read_bytes()


@pytest.fixture
def halves_png(encode) -> bytes:
    """200x100: left half red, right half blue, so crops and pads show where they cut."""
    image = Image.new("RGB", (200, 100), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 100, 100))
    return encode(image, "png")


@pytest.fixture
def animated_gif(encode) -> bytes:
    """6 distinct 120x80 frames with durations 40..90 ms, looping forever."""
    frames = [Image.new("RGB", (120, 80), (40 * i, 255 - 40 * i, 60)) for i in range(6)]
    return encode(
        frames[0], "gif", save_all=True, append_images=frames[1:],
        duration=[40 + 10 * i for i in range(6)], loop=0,
    )


def frame_durations(image: Image.Image) -> list[int]:
    durations = []
    for index in range(image.n_frames):
        image.seek(index)
        image.load()
        durations.append(image.info["duration"])
    return durations


@pytest.fixture
def durations() -> Callable[[Image.Image], list[int]]:
    """durations(image) -> each frame's duration in ms."""
    return frame_durations
