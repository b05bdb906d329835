"""Opening media sources: only common containers, bounded size, every FFmpeg failure a 400."""

import io
import json
import random

import pytest
from PIL import Image

from proxy.errors import OssError
from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process.runner import max_source_bytes

from ..mediafiles import error, frame_index, run, tone, video


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("data", [
    b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:9/seg.ts\n#EXT-X-ENDLIST\n",
    b"ffconcat version 1.0\nfile /etc/passwd\n",
    _png(),
])
def test_playlists_concat_lists_and_images_are_not_media_sources(data):
    err = error("video/info", data)
    assert (err.status, err.code) == (400, "BadRequest")
    assert "not an audio or video file" in err.message


@pytest.mark.parametrize(("codec", "container"), [
    ("libx264", "mp4"), ("libx264", "matroska"), ("libx264", "mpegts"), ("mpeg4", "avi"), ("libx265", "mp4"),
])
@pytest.mark.parametrize(("t", "frame"), [(300, 3), (1300, 13), (1900, 19)])
def test_common_containers_seek_to_the_exact_frame(codec, container, t, frame):
    """MPEG-TS has no index: its seeks land past the key frame and are stepped back."""
    data = video(codec, container=container)
    image = Image.open(io.BytesIO(run(f"video/snapshot,t_{t}", data).body))
    assert frame_index(image.convert("RGB").getpixel((8, 8))) == frame


@pytest.mark.parametrize(("process", "bound"), [
    ("video/snapshot,t_1/image/resize,w_10", "max_media_source_bytes"),
    ("audio/info", "max_media_source_bytes"),
    ("image/resize,w_10", "max_source_bytes"),
])
def test_video_and_audio_sources_have_their_own_size_bound(process, bound):
    limits = Limits(max_source_bytes=1, max_media_source_bytes=2)
    assert max_source_bytes(parse_process(process, OSS), limits) == getattr(limits, bound)


@pytest.mark.parametrize("process", [
    "video/snapshot,t_1300", "video/snapshot,t_9000,m_fast,ar_auto,w_30", "video/info", "audio/info",
    "audio/convert,f_mp3,ss_200,t_500",
])
def test_damaged_sources_answer_a_result_or_400_never_a_crash(process):
    """Seeded random damage (bytes overwritten, cut out, inserted; truncation) to real media."""
    rng = random.Random(process)
    sources = [video("libx264"), video("libx264", container="mpegts", audio=True), tone(0.5)]
    for _ in range(60):
        data = bytearray(rng.choice(sources))
        for _ in range(rng.randint(1, 12)):
            at = rng.randrange(len(data))
            roll = rng.random()
            if roll < 0.6:
                data[at] = rng.randrange(256)
            elif roll < 0.8:
                del data[at:at + rng.randint(1, 200)]
            else:
                data[at:at] = rng.randbytes(rng.randint(1, 50))
        try:
            run(process, bytes(data[: rng.randrange(len(data))] if rng.random() < 0.2 else data))
        except OssError as err:
            assert err.status == 400, err


def test_a_stream_without_a_decoder_is_described_without_codec_fields_and_not_decoded():
    unknown = video().replace(b"avc1", b"zzzz")  # a fourcc FFmpeg has no decoder for
    [stream] = json.loads(run("video/info", unknown).body)["VideoStreams"]
    assert stream["Index"] == 0 and stream["FrameCount"] == 20
    assert "CodecName" not in stream and "Width" not in stream
    err = error("video/snapshot", unknown)
    assert (err.status, err.code) == (400, "BadRequest")
    assert "cannot be decoded" in err.message


def test_an_audio_stream_without_channels_is_400():
    wav = bytearray(tone(0.5))
    wav[22:24] = b"\x00\x00"  # the fmt chunk's channel count
    err = error("audio/convert,f_mp3", bytes(wav))
    assert (err.status, err.code) == (400, "BadRequest")
