"""audio/info (media §3.2): sample rate, channels, codec and duration of the audio streams."""

import pytest

from proxy.grammar.oss import OSS

from ..mediafiles import error, json_of, tone


def info(data: bytes) -> dict:
    return json_of("audio/info", data)


def test_info_of_a_wav(wav):
    meta = info(wav)
    assert meta["FormatName"] == "wav"
    assert meta["Size"] == len(wav)
    assert meta["Duration"] == pytest.approx(3.0, abs=0.01)
    assert meta["StreamCount"] == 1
    assert meta["VideoStreams"] == []
    [stream] = meta["AudioStreams"]
    assert stream["CodecName"] == "pcm_s16le"
    assert (stream["SampleRate"], stream["Channels"]) == (44100, 2)
    assert stream["SampleFormat"] == "s16"
    assert stream["Bitrate"] == 44100 * 2 * 16
    assert stream["Duration"] == pytest.approx(3.0, abs=0.01)
    assert stream["CodecTag"] == "0x0001"
    assert stream["CodecTagString"] == "[1][0][0][0]"


def test_info_of_an_mp3(mp3):
    [stream] = info(mp3)["AudioStreams"]
    assert stream["CodecName"] == "mp3"
    assert (stream["SampleRate"], stream["Channels"], stream["ChannelLayout"]) == (22050, 1, "mono")
    assert stream["Duration"] == pytest.approx(2.0, abs=0.1)


def test_info_is_signed_only_and_standalone():
    spec = OSS.get("audio", "info")
    assert spec.signed_only and spec.standalone


def test_info_of_a_non_media_source_is_400():
    err = error("audio/info", b"RIFF\x00\x00\x00\x00WAVEjunk" * 10)
    assert (err.status, err.code) == (400, "BadRequest")


def test_info_reports_tags_and_survives_one_that_is_not_utf8():
    data = tone(0.3, rate=22050, channels=1, container="mp3", codec="libmp3lame", tags={"title": "Title-AAAA"})
    assert info(data)["Title"] == "Title-AAAA"
    broken = data.replace(b"Title-AAAA", b"Title-\xff\xfe\xc3(")
    assert info(broken)["Title"].startswith("Title-\ufffd")
