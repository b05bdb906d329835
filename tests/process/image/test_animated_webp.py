"""Animated WebP sources keep every frame and its timing through resize, crop and watermark."""

import io

import pytest
from PIL import Image

from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process.runner import run_chain

DURATIONS = [50, 60, 70, 80, 90, 100]


def animated_webp() -> bytes:
    frames = [Image.new("RGB", (100, 80), (i * 40, 0, 255 - i * 40)) for i in range(len(DURATIONS))]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:], duration=DURATIONS, loop=0, lossless=True)
    return out.getvalue()


def frames_of(body: bytes) -> list[tuple[int, tuple[int, int, int]]]:
    image = Image.open(io.BytesIO(body))
    result = []
    for index in range(image.n_frames):
        image.seek(index)
        image.load()
        result.append((image.info["duration"], image.convert("RGB").getpixel((2, 2))))
    return result


@pytest.mark.parametrize(
    ("process", "size"),
    [("image/resize,w_50", (50, 40)), ("image/crop,w_40,h_30,g_center", (40, 30)),
     ("image/watermark,text_SGk,g_se", (100, 80))],
)
def test_animation_and_timing_survive(process, size):
    output = run_chain(parse_process(process, OSS), animated_webp(), "image/webp", Limits())
    assert output.media_type == "image/webp"
    assert Image.open(io.BytesIO(output.body)).size == size
    frames = frames_of(output.body)
    assert [duration for duration, _ in frames] == DURATIONS
    for index, (_, (red, _g, blue)) in enumerate(frames):
        assert abs(red - index * 40) < 12 and abs(blue - (255 - index * 40)) < 12
