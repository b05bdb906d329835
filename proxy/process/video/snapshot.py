"""video/snapshot (media §3.1): one frame of the video as a JPG or PNG image.

Decisions on the points OSS leaves open:
- `t` absent means 0, the first frame; the exact frame at t is the first whose timestamp is at or
  after t (what `ffmpeg -ss t -frames:v 1` gives); past the end, both modes give the last frame [U];
- `f` defaults to jpg, encoded at quality 85 like image/ output [U];
- `w`/`h` above the video size clamp to it; both given → exactly w x h (OSS's 800x600 example);
  with `ar_auto` the sizes apply to the upright picture [U];
- any video codec FFmpeg decodes is accepted, a superset of OSS's H.264 and H.265 [I];
- reaching t may decode at most limits.max_seek_frames frames from the preceding key frame; beyond
  that the request is refused and `m_fast` suggested [I].
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from itertools import chain
from typing import Any

import av
from av.container import InputContainer
from av.video.frame import VideoFrame
from av.video.stream import VideoStream
from PIL import Image

from proxy.errors import bad_request, image_too_large, invalid_argument
from proxy.limits import Limits
from proxy.process.image import budget
from proxy.process.image.quality import DEFAULT_QUALITY
from proxy.process.media.meta import clockwise
from proxy.process.media.source import CONTAINER_TIME_BASE, decoded, open_source, seconds
from proxy.process.output import Output

FORMATS = {"jpg": ("JPEG", "image/jpeg"), "png": ("PNG", "image/png")}
# A decoded frame held three times at once: FFmpeg's YUV picture (1.5 bytes a pixel, 4:2:0), its
# RGB24 conversion (3) and Pillow's RGB image (4).
_PICTURE_BYTES = 9
_QUARTER_TURNS = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}


def apply(data: bytes, args: dict[str, Any], limits: Limits) -> Output:
    """Seek, decode, turn upright if asked, scale, encode."""
    with open_source(data) as container:
        stream = _video_stream(container, limits)
        frame = frame_at(container, stream, args["t"], args["m"] == "fast", limits)
        check_picture(frame.width, frame.height, limits)  # a stream may change size after its header
        picture = frame.to_image()
        rotate = clockwise(frame.rotation)
    if args["ar"] == "auto" and rotate:
        picture = picture.transpose(_QUARTER_TURNS[rotate])
    size = output_size(picture.size, args["w"], args["h"])
    if size != picture.size:
        picture = picture.resize(size, Image.Resampling.LANCZOS)
    encoder, media_type = FORMATS[args["f"]]
    out = io.BytesIO()
    picture.save(out, encoder, **({"quality": DEFAULT_QUALITY} if encoder == "JPEG" else {}))
    return Output(out.getvalue(), media_type)


def frame_at(container: InputContainer, stream: VideoStream, t_ms: int, fast: bool, limits: Limits) -> VideoFrame:
    """The frame shown at `t_ms`: exact, or the key frame at or before it when `fast`; the last
    frame when `t_ms` is past the end."""
    time_base = stream.time_base
    assert time_base, "FFmpeg gives every demuxed stream a time base"
    target = (stream.start_time or 0) + round(t_ms / 1000 / time_base)
    duration = seconds(stream.duration, time_base) or seconds(container.duration, CONTAINER_TIME_BASE)
    past_end = duration is not None and t_ms >= duration * 1000
    frames, first = _from_key_frame(container, stream, target, seek=t_ms > 0)
    if first is None:
        raise bad_request("The source's video stream has no decodable frame.")
    if fast and not past_end:
        return first
    last = first
    for count, frame in enumerate(chain([first], frames), 1):
        if frame.pts is not None and frame.pts >= target:
            return frame
        last = frame
        if count >= limits.max_seek_frames:
            raise invalid_argument(
                f"video/snapshot,t_{t_ms}: reaching that frame takes more than {limits.max_seek_frames} "
                "decoded frames (limits.max_seek_frames); use m_fast for the preceding key frame.",
                ArgumentName="t", ArgumentValue=str(t_ms),
            )
    return last


def _from_key_frame(container: InputContainer, stream: VideoStream, target: int,
                    seek: bool) -> tuple[Iterator[VideoFrame], VideoFrame | None]:
    """The decoded frames from the key frame at or before `target`, and the first of them; an unindexed container
    (MPEG-TS) that lands past it steps back one, two, four… seconds, down to the start."""
    position, step = target, round(1 / stream.time_base)
    while True:
        if seek:
            container.seek(position, stream=stream, backward=True)
        frames = decoded(container, stream)
        first = next(frames, None)
        # Containers without an index seek by bytes and may land past that key frame, or past the last one
        # (decoders skip what precedes a key frame).
        landed_early = first is not None and (first.pts is None or first.pts <= target)
        if not seek or position == 0 or landed_early:
            return frames, first
        position, step = max(0, target - step), step * 2


def output_size(size: tuple[int, int], w: int, h: int) -> tuple[int, int]:
    """w/h clamped to the picture; one of them 0 keeps the aspect ratio, both 0 keep the size."""
    width, height = size
    w, h = min(w, width), min(h, height)
    if w and h:
        return w, h
    if w:
        return w, max(1, round(height * w / width))
    if h:
        return max(1, round(width * h / height)), h
    return size


def _video_stream(container: InputContainer, limits: Limits) -> VideoStream:
    """The first video stream that is not a cover picture, checked against the pixel limits."""
    streams = [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
    if not streams:
        raise bad_request("The source has no video stream.")
    stream = streams[0]
    if stream.codec_context is None:
        raise bad_request("The source's video codec cannot be decoded by this server.")
    check_picture(stream.codec_context.width, stream.codec_context.height, limits)
    return stream


def check_picture(width: int, height: int, limits: Limits) -> None:
    """The source limits on a video picture, and the memory turning one into an image takes."""
    if max(width, height) > limits.max_side or width * height > limits.max_pixels:
        raise image_too_large(
            f"The video is {width}x{height}; each side must be at most {limits.max_side} px and the area "
            f"at most {limits.max_pixels} px (limits.max_side, limits.max_pixels).",
        )
    budget.check_decoded(width * height * _PICTURE_BYTES, limits, f"A {width}x{height} video frame")
