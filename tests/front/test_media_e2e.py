"""Video and audio through the running server: anonymous snapshots, signed-only info and conversion."""

import io
import json

from PIL import Image

from tests.process.mediafiles import decoded_audio, frame_colour, frame_index, tone, video

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
