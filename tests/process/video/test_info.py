"""video/info (media §3.2): IMM DetectMediaMeta fields of the container and each stream."""

import pytest

from proxy.grammar.oss import OSS

from ..mediafiles import error, json_of, run, tone, video


def info(data: bytes) -> dict:
    return json_of("video/info", data)


def test_info_describes_the_container(h264):
    meta = info(h264)
    assert meta["FormatName"] == "mov,mp4,m4a,3gp,3g2,mj2"
    assert meta["FormatLongName"] == "QuickTime / MOV"
    assert meta["Size"] == len(h264)
    assert meta["Duration"] == pytest.approx(2.0, abs=0.05)
    assert meta["StreamCount"] == 1
    assert meta["Bitrate"] > 0
    assert (meta["VideoWidth"], meta["VideoHeight"]) == (64, 48)
    assert meta["AudioStreams"] == [] and meta["Subtitles"] == []


def test_info_describes_an_h264_stream(h264):
    stream = info(h264)["VideoStreams"][0]
    assert stream["Index"] == 0
    assert stream["CodecName"] == "h264"
    assert stream["CodecLongName"].startswith("H.264")
    assert stream["CodecTag"] == "0x31637661"
    assert stream["CodecTagString"] == "avc1"
    assert (stream["Width"], stream["Height"]) == (64, 48)
    assert stream["FrameRate"] == "10/1"
    assert stream["AverageFrameRate"] == "10/1"
    assert stream["PixelFormat"] == "yuv420p"
    assert stream["BitDepth"] == 8
    assert stream["Duration"] == pytest.approx(2.0, abs=0.05)
    assert stream["FrameCount"] == 20
    assert stream["Rotate"] == "0"
    assert isinstance(stream["Bitrate"], int)
    assert stream["Profile"] in {"High", "Main", "Constrained Baseline", "Baseline"}


def test_info_describes_an_hevc_stream(hevc):
    stream = info(hevc)["VideoStreams"][0]
    assert stream["CodecName"] == "hevc"
    assert stream["CodecTagString"] in {"hev1", "hvc1"}
    assert (stream["Width"], stream["Height"]) == (64, 48)


def test_info_reports_the_clockwise_rotation_of_a_phone_video(portrait):
    stream = info(portrait)["VideoStreams"][0]
    assert stream["Rotate"] == "90"
    assert (stream["Width"], stream["Height"]) == (64, 48)  # stored size, as IMM reports it


def test_info_lists_video_and_audio_streams():
    meta = info(video("libx264", audio=True))
    assert meta["StreamCount"] == 2
    assert [s["CodecName"] for s in meta["VideoStreams"]] == ["h264"]
    [sound] = meta["AudioStreams"]
    assert (sound["CodecName"], sound["SampleRate"], sound["Channels"]) == ("aac", 44100, 1)
    assert sound["CodecTag"] == "0x6134706d"  # mp4a


def test_info_of_an_audio_only_source_has_no_video_streams():
    meta = info(tone(1.0))
    assert meta["VideoStreams"] == []
    assert "VideoWidth" not in meta


def test_info_body_uses_the_oss_json_layout(h264):
    body = run("video/info", h264).body.decode()
    assert body.startswith('{\n    "AudioStreams": [],\n    "Bitrate": ')
    assert not body.endswith("\n")


def test_info_is_signed_only_and_standalone():
    spec = OSS.get("video", "info")
    assert spec.signed_only and spec.standalone
    assert not OSS.get("video", "snapshot").signed_only  # the docs show snapshots on public URLs


def test_info_cannot_be_chained(h264):
    err = error("video/info/image/resize,w_10", h264)
    assert (err.status, err.code) == (400, "InvalidArgument")


@pytest.mark.parametrize("data", [b"", b"not a video at all" * 20, b"\x00" * 4096])
def test_info_of_a_non_media_source_is_400(data):
    err = error("video/info", data)
    assert (err.status, err.code) == (400, "BadRequest")
