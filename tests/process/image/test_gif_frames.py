"""Counting a GIF's frames from its blocks, so a file of 800 000 frames is refused without walking them."""

import io

import pytest
from PIL import Image

from proxy.limits import Limits
from proxy.process.image.gif_frames import count_frames

from .hostile import dotted_gif, many_frames_gif


@pytest.mark.parametrize("data", [
    dotted_gif(50, 20), dotted_gif(7, 20, transparent=True), many_frames_gif(30, 40),  # global, local palettes
])
def test_the_count_is_pillows(data):
    assert count_frames(data, stop_after=1000) == Image.open(io.BytesIO(data)).n_frames


def test_a_still_gif_has_one_frame(encode):
    assert count_frames(encode(Image.new("RGB", (10, 10), "red"), "gif"), stop_after=1000) == 1


@pytest.mark.parametrize("data", [b"", b"GIF89a", b"GIF89a" + b"\x00" * 7 + b"\x2c", b"\x89PNG\r\n\x1a\n"])
def test_truncated_or_foreign_bytes_count_what_is_there(data):
    assert count_frames(data, stop_after=1000) == 0


def test_the_walk_stops_past_the_limit():
    assert count_frames(dotted_gif(5000, 100), stop_after=1000) == 1001


def test_an_18_mb_gif_of_800_000_frames_is_refused_by_the_block_count(fails):
    gif = dotted_gif(800_000, 500)
    error = fails("image/info", gif)
    assert (error.status, error.code, error.ec) == (400, "ImageTooLarge", "0040-00000012")
    assert "more than 1000 frames" in error.message  # this walk's words, not Pillow's exact count
    assert fails("image/resize,w_10", dotted_gif(11, 20), Limits(max_frames=10)).ec == "0040-00000012"
