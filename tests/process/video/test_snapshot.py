"""video/snapshot (media §3.1): the exact frame or the preceding key frame, the last frame past the end,
sizes, rotation and formats, asserted on the decoded image's size and colour."""

import io

import av
import pytest
from PIL import Image

from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process.video.snapshot import output_size

from ..mediafiles import error, frame_index, run, tone, video


def snapshot(process: str, data: bytes, limits: Limits | None = None) -> Image.Image:
    return Image.open(io.BytesIO(run(process, data, limits).body))


def shown_frame(image: Image.Image) -> int:
    return frame_index(image.convert("RGB").getpixel((image.width // 2, image.height // 2)))


@pytest.mark.parametrize(("t", "frame"), [(0, 0), (700, 7), (1000, 10), (1300, 13), (1950, 19)])
def test_snapshot_exact_mode_returns_the_frame_at_t(h264, t, frame):
    assert shown_frame(snapshot(f"video/snapshot,t_{t}", h264)) == frame


def test_snapshot_exact_mode_between_frames_takes_the_next_frame(h264):
    assert shown_frame(snapshot("video/snapshot,t_1250", h264)) == 13


@pytest.mark.parametrize(("t", "key_frame"), [(0, 0), (700, 5), (1000, 10), (1300, 10), (1950, 15)])
def test_snapshot_fast_mode_returns_the_preceding_key_frame(h264, t, key_frame):
    assert shown_frame(snapshot(f"video/snapshot,t_{t},m_fast", h264)) == key_frame


@pytest.mark.parametrize("mode", ["", ",m_fast"])
def test_snapshot_past_the_end_returns_the_last_frame(h264, mode):
    assert shown_frame(snapshot(f"video/snapshot,t_60000{mode}", h264)) == 19


def test_snapshot_without_t_is_the_first_frame(h264):
    assert shown_frame(snapshot("video/snapshot", h264)) == 0


def test_snapshot_of_hevc_video(hevc):
    image = snapshot("video/snapshot,t_1300", hevc)
    assert image.size == (64, 48)
    assert shown_frame(image) == 13
    assert shown_frame(snapshot("video/snapshot,t_1300,m_fast", hevc)) == 10


def test_snapshot_defaults_to_jpg_at_the_video_size(h264):
    output = run("video/snapshot,t_1000", h264)
    assert output.media_type == "image/jpeg"
    assert Image.open(io.BytesIO(output.body)).format == "JPEG"
    assert Image.open(io.BytesIO(output.body)).size == (64, 48)


def test_snapshot_png(h264):
    output = run("video/snapshot,t_1000,f_png", h264)
    assert output.media_type == "image/png"
    image = Image.open(io.BytesIO(output.body))
    assert image.format == "PNG"
    assert shown_frame(image) == 10


@pytest.mark.parametrize(("args", "size"), [
    ("w_32", (32, 24)),
    ("h_24", (32, 24)),
    ("w_32,h_12", (32, 12)),
    ("w_0,h_0", (64, 48)),
    ("w_640", (64, 48)),
    ("w_640,h_10", (64, 10)),
])
def test_snapshot_sizes_keep_aspect_and_clamp_to_the_video(h264, args, size):
    assert snapshot(f"video/snapshot,t_500,{args}", h264).size == size


def test_output_size_never_reaches_zero():
    assert output_size((1000, 10), 1, 0) == (1, 1)


def test_snapshot_ignores_rotation_unless_ar_auto(portrait):
    assert snapshot("video/snapshot,t_500", portrait).size == (64, 48)


def test_snapshot_ar_auto_turns_the_frame_upright(portrait):
    image = snapshot("video/snapshot,t_500,ar_auto", portrait)
    assert image.size == (48, 64)
    assert shown_frame(image) == 5


def test_snapshot_ar_auto_turns_clockwise_for_rotate_90():
    """A marker in the stored frame's top-left corner ends top-right after a quarter turn clockwise."""
    stored = Image.new("RGB", (64, 48), (0, 0, 255))
    stored.paste((255, 255, 0), (0, 0, 16, 16))
    data = _single_frame_video(stored, rotation=-90)
    image = snapshot("video/snapshot,ar_auto,f_png", data).convert("RGB")
    assert image.size == (48, 64)
    red, green, blue = image.getpixel((40, 8))
    assert red > 200 and green > 200 and blue < 60


def test_snapshot_ar_auto_sizes_apply_to_the_upright_picture(portrait):
    assert snapshot("video/snapshot,t_500,ar_auto,w_24", portrait).size == (24, 32)


def test_snapshot_can_be_followed_by_image_actions(h264):
    image = snapshot("video/snapshot,t_1300/image/resize,w_16/format,png", h264)
    assert image.format == "PNG"
    assert image.size == (16, 12)
    assert shown_frame(image) == 13


def test_snapshot_canonical_form_drops_defaults():
    assert parse_process("video/snapshot,f_jpg,t_0,w_0,h_0", OSS).canonical() == "video/snapshot"
    assert parse_process("video/snapshot,m_fast,t_7000,f_png", OSS).canonical() == "video/snapshot,f_png,m_fast,t_7000"


def test_snapshot_decoding_past_max_seek_frames_is_refused(h264):
    limits = Limits(max_seek_frames=3)
    err = error("video/snapshot,t_1400", h264, limits)
    assert (err.status, err.code) == (400, "InvalidArgument")
    assert "max_seek_frames" in err.message and "m_fast" in err.message
    assert shown_frame(snapshot("video/snapshot,t_1400,m_fast", h264, limits)) == 10


def test_snapshot_of_a_video_larger_than_max_pixels_is_refused(h264):
    err = error("video/snapshot", h264, Limits(max_pixels=1000))
    assert (err.status, err.code) == (400, "ImageTooLarge")


@pytest.mark.parametrize(("process", "code", "named"), [
    ("video/snapshot,t_-1", "InvalidArgument", "t_"),
    ("video/snapshot,t_abc", "InvalidArgument", "t_"),
    ("video/snapshot,w_-5", "InvalidArgument", "w_"),
    ("video/snapshot,h_1.5", "InvalidArgument", "h_"),
    ("video/snapshot,m_slow", "InvalidArgument", "m_"),
    ("video/snapshot,f_gif", "InvalidArgument", "f_"),
    ("video/snapshot,ar_on", "InvalidArgument", "ar_"),
])
def test_snapshot_bad_parameters_are_400_naming_them(process, code, named):
    err = error(process)
    assert (err.status, err.code) == (400, code)
    assert named in err.message


def test_snapshot_of_audio_only_source_is_400():
    err = error("video/snapshot", tone(0.5))
    assert (err.status, err.code) == (400, "BadRequest")
    assert "no video stream" in err.message


def test_two_video_actions_in_one_step_are_refused(h264):
    err = error("video/snapshot,t_1/snapshot,t_2", h264)
    assert (err.status, err.code) == (400, "InvalidArgument")


def test_snapshot_of_a_truncated_video_is_400(h264):
    faststart = video("libx264", container="matroska")  # header first, so the cut hits the frames
    for cut in (len(faststart) // 2, 200):
        err = error("video/snapshot,t_1500", faststart[:cut])
        assert err.status == 400, cut


def _single_frame_video(image: Image.Image, rotation: float) -> bytes:
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as muxer:
        stream = muxer.add_stream("libx264", rate=10)
        stream.width, stream.height = image.size
        stream.pix_fmt = "yuv420p"
        stream.set_display_rotation(rotation)
        muxer.mux(stream.encode(av.VideoFrame.from_image(image)))
        muxer.mux(stream.encode(None))
    return out.getvalue()


def test_snapshot_counts_the_frames_decoded_bytes(h264):
    # 64x48: FFmpeg's YUV picture, its RGB conversion and Pillow's image, 9 bytes a pixel
    assert snapshot("video/snapshot", h264, Limits(max_decoded_bytes=64 * 48 * 9)).size == (64, 48)
    err = error("video/snapshot", h264, Limits(max_decoded_bytes=64 * 48 * 9 - 1))
    assert (err.status, err.code, err.ec) == (400, "ImageTooLarge", "0040-00000012")
    assert "limits.max_decoded_bytes" in err.message
