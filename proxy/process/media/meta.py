"""video/info and audio/info (media §3.2): the source described in IMM DetectMediaMeta's JSON.

Field names, types and renderings follow IMM's API reference, whose values are ffprobe's: durations
and start times in seconds (numbers), bitrates in bit/s, rates as `num/den` strings, `CodecTag` as
`0x…` hex of the little-endian fourcc; `CodecLongName` is the decoder's (PyAV does not expose the
codec descriptor's, which is the same for the common codecs). A field FFmpeg does not know is left
out, as IMM does; a stream without a decoder has no codec fields.
Decisions on the points OSS leaves open [U]:
- subtitle streams are listed under `Subtitles`, IMM's name (not `SubtitleStreams`);
- `Rotate` is the clockwise angle (0, 90, 180, 270) that shows a video upright, read from the
  display matrix of its first decoded frame (FFmpeg attaches the container's matrix to every frame);
- `RequestId` and `ProduceTime` are left out: they describe IMM's call, not the file, and the body
  is cached; the `x-oss-request-id` header carries the request id;
- the layout is OSS's processing JSON (`jsonbody`), with the media type OSS documents (media §3.2).
"""

from __future__ import annotations

from contextlib import suppress
from fractions import Fraction
from typing import Any

import av
from av.audio.stream import AudioStream
from av.container import InputContainer
from av.stream import Stream
from av.video.stream import VideoStream

from proxy.errors import bad_request
from proxy.limits import Limits
from proxy.process import jsonbody
from proxy.process.media.source import CONTAINER_TIME_BASE, open_source, seconds
from proxy.process.output import Output

MEDIA_TYPE = "application/json;charset=utf-8"
# Container tags IMM reports, by FFmpeg's (lower-case) tag name.
_TAGS = {
    "title": "Title", "artist": "Artist", "album_artist": "AlbumArtist", "composer": "Composer",
    "performer": "Performer", "album": "Album", "language": "Language", "creation_time": "CreationTime",
}


def detect_media_meta(data: bytes, limits: Limits) -> Output:
    """The DetectMediaMeta body for `data`, or a 400 if FFmpeg cannot read it."""
    with open_source(data) as container:
        if not (container.streams.video or container.streams.audio):
            raise bad_request("The source has no audio or video stream.")
        rotations = first_frame_rotations(container, limits)
        videos = [video_fields(s, rotations.get(s.index, 0)) for s in container.streams.video]
        audios = [audio_fields(s) for s in container.streams.audio]
        subtitles = [common_fields(s) for s in container.streams.subtitles]
        fields = _present({
            "FormatName": container.format.name,
            "FormatLongName": container.format.long_name,
            "Size": len(data),
            "Duration": seconds(container.duration, CONTAINER_TIME_BASE),
            "StartTime": seconds(container.start_time, CONTAINER_TIME_BASE),
            "Bitrate": container.bit_rate or None,
            "StreamCount": len(container.streams),
            **{name: container.metadata[tag] for tag, name in _TAGS.items() if tag in container.metadata},
        })
    if videos and "Width" in videos[0]:
        fields |= {"VideoWidth": videos[0]["Width"], "VideoHeight": videos[0]["Height"]}
    fields |= {"VideoStreams": videos, "AudioStreams": audios, "Subtitles": subtitles}
    return Output(jsonbody.dumps(fields), MEDIA_TYPE)


def first_frame_rotations(container: InputContainer, limits: Limits) -> dict[int, int]:
    """Each video stream's clockwise display rotation, from its first frame within limits.max_seek_frames packets;
    a stream whose frames do not decode is left out (info describes what it can rather than failing)."""
    streams = [stream for stream in container.streams.video if stream.codec_context is not None]
    found: dict[int, int] = {}
    if not streams:
        return found
    for count, packet in enumerate(container.demux(streams), 1):
        if packet.stream.index not in found:
            with suppress(av.FFmpegError):
                for frame in packet.decode():
                    found[packet.stream.index] = clockwise(frame.rotation)
                    break
        if len(found) == len(streams) or count >= limits.max_seek_frames:
            break
    return found


def clockwise(rotation: float) -> int:
    """FFmpeg's counter-clockwise matrix angle as the clockwise quarter turn that shows a frame upright."""
    return round(-rotation / 90) % 4 * 90


def common_fields(stream: Stream) -> dict[str, Any]:
    """The members every IMM stream type has; codec members only when FFmpeg has a decoder for it."""
    codec = stream.codec_context
    return _present({
        "Index": stream.index,
        "Language": stream.metadata.get("language"),
        **({} if codec is None else {
            "CodecName": codec.codec.canonical_name, "CodecLongName": codec.codec.long_name, **_codec_tag(codec),
            "Bitrate": codec.bit_rate or None,
        }),
        "TimeBase": _ratio(stream.time_base, "/"),
        "StartTime": seconds(stream.start_time, stream.time_base),
        "Duration": seconds(stream.duration, stream.time_base),
        "FrameCount": stream.frames or None,
    })


def video_fields(stream: VideoStream, rotate: int) -> dict[str, Any]:
    """An IMM VideoStream: sizes and rates as stored (`Rotate` says how to show them)."""
    fields = common_fields(stream) | _present({
        "FrameRate": _ratio(stream.base_rate, "/") or "0/0",
        "AverageFrameRate": _ratio(stream.average_rate, "/") or "0/0",
        "Rotate": str(rotate),
    })
    codec = stream.codec_context
    if codec is None:
        return fields
    pixel_format = codec.format
    return fields | _present({
        "Profile": stream.profile,
        "Width": codec.width,
        "Height": codec.height,
        "HasBFrames": int(codec.has_b_frames),
        "SampleAspectRatio": _ratio(stream.sample_aspect_ratio, ":"),
        "DisplayAspectRatio": _ratio(stream.display_aspect_ratio, ":"),
        "PixelFormat": codec.pix_fmt,
        "BitDepth": pixel_format.components[0].bits if pixel_format and pixel_format.components else None,
        "Level": codec.level if codec.level >= 0 else None,
    })


def audio_fields(stream: AudioStream) -> dict[str, Any]:
    """An IMM AudioStream: what a player needs to know before decoding it."""
    codec = stream.codec_context
    if codec is None:
        return common_fields(stream)
    return common_fields(stream) | _present({
        "Profile": stream.profile,
        "SampleFormat": codec.format.name if codec.format else None,
        "SampleRate": codec.sample_rate or None,
        "Channels": codec.channels or None,
        "ChannelLayout": codec.layout.name if codec.channels else None,
    })


def _codec_tag(codec: Any) -> dict[str, str]:
    """`CodecTag` (`0x31637661`) and `CodecTagString` (`avc1`, or `[1][0][0][0]` as ffprobe prints it)."""
    try:
        tag = codec.codec_tag.encode("ascii")
    except UnicodeDecodeError:  # PyAV decodes the fourcc as ASCII; a hostile file may hold any bytes
        return {}
    text = "".join(chr(b) if chr(b).isalnum() or chr(b) in " ._-" else f"[{b}]" for b in tag)
    return {"CodecTag": f"0x{int.from_bytes(tag, 'little'):04x}", "CodecTagString": text}


def _ratio(value: Fraction | None, separator: str) -> str | None:
    if not value:
        return None
    return f"{value.numerator}{separator}{value.denominator}"


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None and value != ""}
