"""audio/convert: a clip of the source's first audio stream in another format, synchronously.

OSS runs audio conversion only asynchronously (x-oss-async-process); Osprey answers it in the
response, so the clip is bounded by limits.max_media_output_s. Decisions [U]:
- `f` is required; `aac` is ADTS (`audio/aac`), `ogg` is Opus in Ogg (FFmpeg's own Vorbis encoder
  is experimental and stereo-only), `wav` is 16-bit PCM;
- `ab` is in bit/s and applies to mp3, aac and ogg (encoders clamp it to what they support);
- `ar`/`ac` default to the source's, moved to the nearest rate and the most channels the format
  takes; an explicit value the format cannot take is a 400 naming the choices;
- `ss`/`t` are milliseconds; `ss` at or past the end is a 400; without `t` the clip runs to the end,
  and a clip longer than the limit is a 400 asking for `t`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import av
from av.audio.frame import AudioFrame
from av.audio.stream import AudioStream
from av.container import InputContainer

from proxy.errors import OssError, bad_request, invalid_argument
from proxy.limits import Limits
from proxy.process.media.source import CONTAINER_TIME_BASE, decoded, open_source, seconds
from proxy.process.output import Output


@dataclass(frozen=True)
class Target:
    """One output format: FFmpeg muxer and encoder, media type, and what the encoder accepts."""

    muxer: str
    encoder: str
    media_type: str
    max_channels: int
    lossy: bool

    def rates(self) -> tuple[int, ...] | None:
        """The sample rates the encoder takes (None: any)."""
        rates = av.codec.Codec(self.encoder, "w").audio_rates
        return tuple(sorted(rates)) if rates else None


TARGETS = {
    "mp3": Target("mp3", "libmp3lame", "audio/mpeg", 2, lossy=True),
    "aac": Target("adts", "aac", "audio/aac", 8, lossy=True),
    "ogg": Target("ogg", "libopus", "audio/ogg", 2, lossy=True),
    "wav": Target("wav", "pcm_s16le", "audio/wav", 8, lossy=False),
    "flac": Target("flac", "flac", "audio/flac", 8, lossy=False),
}


def apply(data: bytes, args: dict[str, Any], limits: Limits) -> Output:
    """Decode from `ss`, trim to `t`, and encode in the target format."""
    target = TARGETS[args["f"]]
    if args["t"] is not None and args["t"] > limits.max_media_output_s * 1000:
        raise _invalid("t", args["t"], f"the clip may be at most {limits.max_media_output_s:g} s long "
                       "(limits.max_media_output_s).")
    out = io.BytesIO()
    with open_source(data) as container:
        source = _audio_stream(container)
        clip_s = _clip_seconds(container, source, args, limits)
        rate = _rate(target, args["f"], args["ar"], source.codec_context.sample_rate)
        channels = _channels(target, args["f"], args["ac"], source.codec_context.channels)
        with av.open(out, "w", format=target.muxer) as output:
            encoder = output.add_stream(target.encoder, rate=rate, layout=av.AudioLayout(f"{channels}c"))
            if target.lossy and args["ab"] is not None:
                encoder.bit_rate = args["ab"]
            written = 0
            for frame in _clip(container, source, args["ss"] / 1000, clip_s):
                frame.pts = None  # the encoder numbers its own (resampled) frames
                written += frame.samples
                output.mux(encoder.encode(frame))
            output.mux(encoder.encode(None))
    if written == 0:
        raise _invalid("ss", args["ss"], "it is at or past the end of the source.")
    return Output(out.getvalue(), target.media_type)


def _clip(container: InputContainer, source: AudioStream, start_s: float, duration_s: float) -> Iterator[AudioFrame]:
    """The decoded frames of [start_s, start_s + duration_s), cut at sample precision by FFmpeg's atrim."""
    offset = seconds(source.start_time, source.time_base) or 0.0
    graph = av.filter.Graph()
    nodes = [
        graph.add_abuffer(template=source),
        graph.add("atrim", f"start={offset + start_s}:duration={duration_s}"),
        graph.add("abuffersink"),
    ]
    for upstream, downstream in pairwise(nodes):
        upstream.link_to(downstream)
    graph.configure()
    if start_s > 0:
        container.seek(round((offset + start_s) / source.time_base), stream=source, backward=True)
    for frame in decoded(container, source):
        try:
            graph.push(frame)
        except av.EOFError:  # atrim has the whole clip: stop decoding
            break
        yield from _pull(graph)
    else:
        graph.push(None)
    yield from _pull(graph)


def _pull(graph: av.filter.Graph) -> Iterator[AudioFrame]:
    while True:
        try:
            yield graph.pull()
        except (av.BlockingIOError, av.EOFError):
            return


def _audio_stream(container: InputContainer) -> AudioStream:
    if not container.streams.audio:
        raise bad_request("The source has no audio stream.")
    stream = container.streams.audio[0]
    if stream.codec_context is None:
        raise bad_request("The source's audio codec cannot be decoded by this server.")
    if stream.codec_context.channels <= 0 or stream.codec_context.sample_rate <= 0:
        raise bad_request("The source's audio stream declares no channels or no sample rate.")
    return stream


def _clip_seconds(container: InputContainer, source: AudioStream, args: dict[str, Any], limits: Limits) -> float:
    """The clip's length: `t`, else the rest of the source, refused past the output limit."""
    duration = seconds(source.duration, source.time_base) or seconds(container.duration, CONTAINER_TIME_BASE)
    if duration is not None and args["ss"] >= duration * 1000:
        raise _invalid("ss", args["ss"], f"the source is only {round(duration * 1000)} ms long.")
    if args["t"] is not None:
        return args["t"] / 1000
    if duration is not None and duration - args["ss"] / 1000 > limits.max_media_output_s:
        raise _invalid("t", None, f"without t_ the clip would run {duration - args['ss'] / 1000:.0f} s; "
                       f"at most {limits.max_media_output_s:g} s are allowed (limits.max_media_output_s).")
    return limits.max_media_output_s  # an unknown length is cut at the limit


def _rate(target: Target, fmt: str, asked: int | None, source: int) -> int:
    rates = target.rates()
    if rates is None:
        return asked or source
    if asked is None:
        return min(rates, key=lambda rate: (abs(rate - source), -rate))
    if asked not in rates:
        raise _invalid("ar", asked, f"f_{fmt} takes one of " + ", ".join(map(str, rates)) + ".")
    return asked


def _channels(target: Target, fmt: str, asked: int | None, source: int) -> int:
    if asked is None:
        return max(1, min(source, target.max_channels))
    if asked > target.max_channels:
        raise _invalid("ac", asked, f"f_{fmt} takes at most {target.max_channels} channels.")
    return asked


def _invalid(key: str, value: int | None, why: str) -> OssError:
    extra = {"ArgumentName": key} | ({} if value is None else {"ArgumentValue": str(value)})
    shown = f"{key}_{value}" if value is not None else f"{key}_"
    return invalid_argument(f"audio/convert,{shown}: {why}", **extra)
