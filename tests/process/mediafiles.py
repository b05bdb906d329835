"""Tiny test media written with PyAV, so tests need no fixture files: each video frame's colour
encodes its index, and audio is a sine tone."""

from __future__ import annotations

import io
import json
import math
import random
import struct
import tempfile
from pathlib import Path

import av
from PIL import Image

from proxy.errors import OssError
from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process.output import Output
from proxy.process.runner import run_chain

FPS = 10
GOP = 5  # key frames at 0, 0.5 s, 1 s, 1.5 s: t_1300 is frame 13 exactly, frame 10 with m_fast
STEP = 12  # colour distance between consecutive frames, far above JPEG's error on a flat colour
ENCODER_OPTIONS = {
    "libx264": {"sc_threshold": "0"},  # every frame changes colour: no scene-cut key frames
    "libx265": {"x265-params": "log-level=none:scenecut=0"},
}


def frame_colour(index: int) -> tuple[int, int, int]:
    return (index * STEP, 255 - index * STEP, 128)


def frame_index(rgb: tuple[int, ...]) -> int:
    """The index whose colour is nearest a decoded pixel."""
    return round(rgb[0] / STEP)


def video(codec: str = "libx264", frames: int = 20, size: tuple[int, int] = (64, 48), rotation: float | None = None,
          audio: bool = False, container: str = "mp4") -> bytes:
    """`frames` frames at FPS, a key frame every GOP; `rotation` is a display-matrix angle
    (counter-clockwise, as FFmpeg stores it: -90 is a phone held upright)."""
    out = io.BytesIO()
    with av.open(out, "w", format=container) as muxer:
        stream = muxer.add_stream(codec, rate=FPS, options=ENCODER_OPTIONS.get(codec, {}))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = GOP
        if rotation is not None:
            stream.set_display_rotation(rotation)
        sound = muxer.add_stream("aac", rate=44100, layout="mono") if audio else None
        for index in range(frames):
            frame = av.VideoFrame.from_image(Image.new("RGB", size, frame_colour(index)))
            frame.pts = index
            muxer.mux(stream.encode(frame))
        muxer.mux(stream.encode(None))
        if sound is not None:
            _write_tone(muxer, sound, 44100, 1, frames / FPS)
    return out.getvalue()


def large_frame_colour(index: int) -> tuple[int, int, int]:
    """Colours for up to 256 frames, 16 apart in red and green, for `large_video`."""
    return ((index % 16) * 16, (index // 16) * 16, 128)


def large_frame_index(rgb: tuple[int, ...]) -> int:
    return round(rgb[0] / 16) + 16 * round(rgb[1] / 16)


def large_video(frames: int = 160, size: tuple[int, int] = (256, 192), faststart: bool = False) -> bytes:
    """About 70 KB a frame (11 MB for 160 frames, 16 s): lossless H.264 of noise around a centre of
    `large_frame_colour`; the `moov` index is at the end unless `faststart` (ffmpeg's default layout)."""
    noise = random.Random(0)
    width, height = size
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.mp4"  # faststart reopens the file to move the index first
        with av.open(str(path), "w", options={"movflags": "faststart"} if faststart else {}) as muxer:
            options = {"sc_threshold": "0", "qp": "0", "preset": "ultrafast"}
            stream = muxer.add_stream("libx264", rate=FPS, options=options)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            stream.codec_context.gop_size = GOP
            for index in range(frames):
                picture = Image.frombytes("RGB", size, noise.randbytes(width * height * 3))
                picture.paste(large_frame_colour(index), (width // 4, height // 4, 3 * width // 4, 3 * height // 4))
                frame = av.VideoFrame.from_image(picture)
                frame.pts = index
                muxer.mux(stream.encode(frame))
            muxer.mux(stream.encode(None))
        return path.read_bytes()


def tone(seconds: float = 3.0, rate: int = 44100, channels: int = 2, container: str = "wav",
         codec: str = "pcm_s16le", tags: dict[str, str] | None = None) -> bytes:
    """A 440 Hz sine of `seconds`, with container `tags` (title, artist…)."""
    out = io.BytesIO()
    with av.open(out, "w", format=container) as muxer:
        muxer.metadata.update(tags or {})
        stream = muxer.add_stream(codec, rate=rate, layout=av.AudioLayout(f"{channels}c"))
        _write_tone(muxer, stream, rate, channels, seconds)
    return out.getvalue()


def _write_tone(muxer, stream, rate: int, channels: int, seconds: float) -> None:
    total, chunk = round(rate * seconds), 1024
    for start in range(0, total, chunk):
        count = min(chunk, total - start)
        frame = av.AudioFrame(format="s16", layout=av.AudioLayout(f"{channels}c"), samples=count)
        frame.sample_rate = rate
        frame.pts = start
        samples = (round(8000 * math.sin(2 * math.pi * 440 * (start + i) / rate)) for i in range(count))
        frame.planes[0].update(b"".join(struct.pack("<h", s) * channels for s in samples))
        muxer.mux(stream.encode(frame))
    muxer.mux(stream.encode(None))


def run(text: str, data: bytes, limits: Limits | None = None) -> Output:
    return run_chain(parse_process(text, OSS), data, "application/octet-stream", limits or Limits())


def error(text: str, data: bytes = b"", limits: Limits | None = None) -> OssError:
    """The OssError that parsing or running `text` raises."""
    try:
        run(text, data, limits)
    except OssError as err:
        return err
    raise AssertionError(f"{text} did not fail")


def decoded_audio(body: bytes) -> tuple[str, str, int, int, float]:
    """(container, codec, sample rate, channels, seconds) of an audio body, decoded in full."""
    with av.open(io.BytesIO(body)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        rate = stream.codec_context.sample_rate
        return container.format.name, stream.codec_context.name, rate, stream.codec_context.channels, samples / rate


def json_of(process: str, data: bytes) -> dict:
    """The JSON answer of an info action, checked to be served as JSON."""
    output = run(process, data)
    assert output.media_type == "application/json;charset=utf-8"
    return json.loads(output.body)
