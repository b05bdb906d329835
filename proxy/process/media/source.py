"""Open a video or audio source held in memory, turning every FFmpeg failure into a 400.

Only the demuxers of common audio and video containers may read a source: FFmpeg has hundreds, and
the obscure ones (playlists, concat lists, raw image sequences) are where hostile files do harm.
A source is the whole object's bytes or a `SparseSource` holding part of it (video/ steps).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction

import av
from av.container import InputContainer
from av.frame import Frame
from av.stream import Stream

from proxy.errors import bad_request
from proxy.process.media.sparse import SparseSource

CONTAINER_TIME_BASE = Fraction(1, 1_000_000)  # FFmpeg's AV_TIME_BASE: the container's duration and start
# FFmpeg demuxer names (`ffmpeg -demuxers`); a family like "mov,mp4,m4a,…" matches on any member.
DEMUXERS = (
    "mov", "mp4", "matroska", "webm", "avi", "flv", "mpegts", "mpeg", "asf", "3gp", "h264", "hevc",
    "wav", "w64", "mp3", "aac", "ogg", "flac", "aiff", "caf", "amr",
)


@contextmanager
def open_source(data: bytes | SparseSource) -> Iterator[InputContainer]:
    """`data` opened for demuxing; FFmpeg errors raised inside the block become 400 `BadRequest`, and with a
    `SparseSource`, a read of bytes it does not hold raises its `NeedBytes` when the block ends."""
    sparse = data if isinstance(data, SparseSource) else None
    try:
        try:
            container = av.open(
                sparse if sparse is not None else io.BytesIO(data), options={"format_whitelist": ",".join(DEMUXERS)},
                metadata_errors="replace",
            )
        except av.FFmpegError as exc:
            raise bad_request(
                f"The source is not an audio or video file this server can read ({exc.strerror})."
            ) from None
        try:
            with container:
                yield container
        except av.FFmpegError as exc:
            raise bad_request(f"The source is corrupt or truncated and cannot be decoded ({exc.strerror}).") from None
    except Exception:
        # Whatever happened inside: what FFmpeg made of the early end of file does not count.
        if sparse is not None and sparse.missing is not None:
            raise sparse.missing from None
        raise
    if sparse is not None and sparse.missing is not None:
        raise sparse.missing


def decoded(container: InputContainer, stream: Stream) -> Iterator[Frame]:
    """The stream's frames from the current position, skipping packets the decoder rejects, as
    ffmpeg does: a damaged stretch loses its frames, not the whole request."""
    for packet in container.demux(stream):
        try:
            yield from packet.decode()
        except av.InvalidDataError:
            continue


def seconds(value: int | None, time_base: Fraction | None) -> float | None:
    """A stream timestamp in seconds, or None when FFmpeg does not know it."""
    if value is None or not time_base:
        return None
    return float(value * time_base)
