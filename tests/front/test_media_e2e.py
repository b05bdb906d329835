"""Video and audio through the running server: anonymous snapshots, signed-only info and conversion."""

import io
import json

import pytest
from PIL import Image

from proxy.app import build_app
from proxy.upstream.local import LocalUpstream
from tests.process.mediafiles import (
    decoded_audio,
    frame_colour,
    frame_index,
    large_frame_index,
    large_video,
    tone,
    video,
)

from .conftest import local_config
from .test_doc_e2e import get
from .xml import error_of


async def test_anonymous_snapshot_of_a_public_video_is_the_exact_frame(make_client, local_root):
    (local_root / "photos" / "clip.mp4").write_bytes(video())
    client = await make_client()
    resp = await client.get("/photos/clip.mp4?x-oss-process=video/snapshot,t_1300,f_png/image/resize,w_32")
    assert resp.status == 200 and resp.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(await resp.read())).convert("RGB")
    assert image.size == (32, 24)
    assert frame_index(image.getpixel((16, 12))) == 13 and frame_colour(13)[2] == 128


async def test_video_info_needs_a_signature(make_client, local_root):
    (local_root / "photos" / "clip.mp4").write_bytes(video())
    (local_root / "vault" / "clip.mp4").write_bytes(video())
    client = await make_client()
    anonymous = await client.get("/photos/clip.mp4?x-oss-process=video/info")
    assert anonymous.status == 403 and "signed request" in (await error_of(anonymous))["Message"]
    body, content_type = await get(client, "clip.mp4", "video/info")
    info = json.loads(body)
    assert content_type.startswith("application/json")
    assert info["VideoStreams"][0]["Width"] == 64 and info["VideoStreams"][0]["Height"] == 48


async def test_signed_audio_conversion_to_mp3(make_client, local_root):
    (local_root / "vault" / "tone.wav").write_bytes(tone(seconds=1.0))
    client = await make_client()
    body, content_type = await get(client, "tone.wav", "audio/convert,f_mp3,ar_22050,ac_1")
    assert content_type == "audio/mpeg"
    container, codec, rate, channels, seconds = decoded_audio(body)
    assert (container, codec, rate, channels) == ("mp3", "mp3float", 22050, 1)
    assert 0.9 < seconds < 1.2


class RangeRecordingUpstream(LocalUpstream):
    """A local upstream that records each GET's Range and the bytes it answered."""

    def __init__(self, root) -> None:
        super().__init__(root)
        self.gets: list[tuple[str | None, int]] = []

    async def get(self, bucket, key, conditions=None):
        stream = await super().get(bucket, key, conditions)
        self.gets.append((conditions.range if conditions else None, stream.content_length))
        return stream


@pytest.mark.parametrize("faststart", [False, True])
async def test_snapshot_of_a_large_video_reads_it_by_ranges(aiohttp_client, local_root, faststart):
    data = large_video(faststart=faststart)
    (local_root / "photos" / "large.mp4").write_bytes(data)
    upstream = RangeRecordingUpstream(local_root)
    client = await aiohttp_client(build_app(local_config(local_root), upstream=upstream))
    resp = await client.get("/photos/large.mp4?x-oss-process=video/snapshot,t_7300,f_png")
    assert resp.status == 200
    image = Image.open(io.BytesIO(await resp.read())).convert("RGB")
    assert large_frame_index(image.getpixel((128, 96))) == 73
    assert upstream.gets and all(range_ is not None for range_, _ in upstream.gets)
    assert sum(length for _, length in upstream.gets) < 0.3 * len(data)


async def test_large_video_past_the_range_bounds_is_read_whole_within_the_limit(aiohttp_client, local_root):
    data = large_video()
    (local_root / "photos" / "large.mp4").write_bytes(data)
    upstream = RangeRecordingUpstream(local_root)
    config = local_config(local_root, limits={"workers": 1, "max_range_reads": 1})
    client = await aiohttp_client(build_app(config, upstream=upstream))
    resp = await client.get("/photos/large.mp4?x-oss-process=video/snapshot,t_7300,f_png")
    assert resp.status == 200
    assert upstream.gets[0][0] == "bytes=0-1048575" and upstream.gets[-1] == (None, len(data))


async def test_large_video_past_the_range_bounds_and_the_size_limit_is_refused(aiohttp_client, local_root):
    (local_root / "photos" / "large.mp4").write_bytes(large_video())
    config = local_config(local_root, limits={"workers": 1, "max_media_source_bytes": 2 * 1024 * 1024})
    client = await aiohttp_client(build_app(config))
    resp = await client.get("/photos/large.mp4?x-oss-process=video/snapshot,t_7300,f_png")
    assert resp.status == 400 and "max_media_source_bytes" in (await error_of(resp))["Message"]
