"""audio/convert: the clip decoded back — container, codec, rate, channels, duration — and every
refusal a 400 naming its parameter."""

import pytest

from proxy.grammar.chain import parse_process
from proxy.grammar.oss import OSS
from proxy.limits import Limits

from ..mediafiles import decoded_audio, error, run, video

# AAC adds its encoder delay (1024 samples) and pads the last frame; the others are sample-exact.
AAC_SLACK_S = 0.08


@pytest.mark.parametrize(("fmt", "media_type", "muxer", "codec"), [
    ("mp3", "audio/mpeg", "mp3", "mp3"),
    ("aac", "audio/aac", "aac", "aac"),
    ("ogg", "audio/ogg", "ogg", "opus"),
    ("wav", "audio/wav", "wav", "pcm_s16le"),
    ("flac", "audio/flac", "flac", "flac"),
])
def test_convert_to_each_format(wav, fmt, media_type, muxer, codec):
    output = run(f"audio/convert,f_{fmt}", wav)
    assert output.media_type == media_type
    container, decoder, rate, channels, seconds = decoded_audio(output.body)
    assert container == muxer
    assert decoder.startswith(codec)  # the mp3 decoder is called mp3float
    assert channels == 2
    assert rate == (48000 if fmt == "ogg" else 44100)  # Opus decodes at 48 kHz whatever it was fed
    assert seconds == pytest.approx(3.0, abs=AAC_SLACK_S if fmt == "aac" else 0.06)


def test_convert_resamples_and_downmixes(wav):
    _, _, rate, channels, seconds = decoded_audio(run("audio/convert,f_mp3,ar_22050,ac_1", wav).body)
    assert (rate, channels) == (22050, 1)
    assert seconds == pytest.approx(3.0, abs=0.06)


@pytest.mark.parametrize(("args", "expected_s"), [
    ("ss_1000", 2.0),
    ("t_500", 0.5),
    ("ss_1250,t_1000", 1.0),
    ("ss_2500,t_5000", 0.5),
])
def test_convert_cuts_the_clip_at_ss_and_t(wav, args, expected_s):
    *_, seconds = decoded_audio(run(f"audio/convert,f_wav,{args}", wav).body)
    assert seconds == pytest.approx(expected_s, abs=0.001)


def test_convert_wav_clip_keeps_the_source_samples(wav):
    """A lossless clip from ss is the source's PCM from that sample on (1001 ms: not a whole number
    of the tone's periods, so a clip from elsewhere would differ)."""
    body = run("audio/convert,f_wav,ss_1001,t_10", wav).body
    clip = _pcm(body)
    start = 44100 * 1001 // 1000 * 4
    assert len(clip) == 441 * 4
    assert clip == _pcm(wav)[start:start + len(clip)]


def test_convert_bitrate_sets_the_lossy_encoders_rate(wav):
    small = run("audio/convert,f_mp3,ab_32000", wav).body
    large = run("audio/convert,f_mp3,ab_192000", wav).body
    assert len(small) * 4 < len(large)


def test_convert_mp3_source_to_aac(mp3):
    _, codec, rate, channels, seconds = decoded_audio(run("audio/convert,f_aac", mp3).body)
    assert (codec, rate, channels) == ("aac", 22050, 1)
    assert seconds == pytest.approx(2.0, abs=0.1)


def test_convert_takes_the_audio_of_a_video():
    _, codec, rate, channels, seconds = decoded_audio(run("audio/convert,f_flac", video(audio=True)).body)
    assert (codec, rate, channels) == ("flac", 44100, 1)
    assert seconds == pytest.approx(2.0, abs=0.05)


def test_convert_defaults_to_a_rate_the_format_takes(mp3):
    """22.05 kHz is not an Opus rate: the nearest one is used."""
    output = run("audio/convert,f_ogg", mp3)
    assert decoded_audio(output.body)[3] == 1


def test_convert_is_signed_only():
    assert OSS.get("audio", "convert").signed_only


def test_convert_canonical_form():
    chain = parse_process("audio/convert,t_1000,f_mp3,ss_0,ab_128000", OSS)
    assert chain.canonical() == "audio/convert,ab_128000,f_mp3,t_1000"


def test_convert_longer_than_max_media_output_is_refused(wav):
    limits = Limits(max_media_output_s=1.0)
    err = error("audio/convert,f_wav,t_2000", wav, limits)
    assert (err.status, err.code) == (400, "InvalidArgument")
    assert "t_2000" in err.message and "max_media_output_s" in err.message
    err = error("audio/convert,f_wav", wav, limits)
    assert (err.status, err.code) == (400, "InvalidArgument")
    assert "t_" in err.message
    assert decoded_audio(run("audio/convert,f_wav,ss_2200", wav, limits).body)[4] == pytest.approx(0.8, abs=0.001)


@pytest.mark.parametrize(("process", "code", "named"), [
    ("audio/convert", "MissingArgument", "f_"),
    ("audio/convert,ab_128000", "MissingArgument", "f_"),
    ("audio/convert,f_wma", "InvalidArgument", "f_"),
    ("audio/convert,f_mp3,ab_100", "InvalidArgument", "ab_"),
    ("audio/convert,f_mp3,ar_5", "InvalidArgument", "ar_"),
    ("audio/convert,f_mp3,ac_0", "InvalidArgument", "ac_"),
    ("audio/convert,f_mp3,ac_9", "InvalidArgument", "ac_"),
    ("audio/convert,f_mp3,ss_-1", "InvalidArgument", "ss_"),
    ("audio/convert,f_mp3,t_0", "InvalidArgument", "t_"),
])
def test_convert_bad_parameters_are_400_naming_them(process, code, named):
    err = error(process)
    assert (err.status, err.code) == (400, code)
    assert named in err.message


@pytest.mark.parametrize(("process", "named"), [
    ("audio/convert,f_mp3,ar_96000", "ar_96000"),
    ("audio/convert,f_ogg,ar_44100", "ar_44100"),
    ("audio/convert,f_mp3,ac_6", "ac_6"),
    ("audio/convert,f_ogg,ac_3", "ac_3"),
    ("audio/convert,f_wav,ss_3000", "ss_3000"),
])
def test_convert_values_the_format_or_source_cannot_take_are_400(wav, process, named):
    err = error(process, wav)
    assert (err.status, err.code) == (400, "InvalidArgument")
    assert named in err.message
    assert err.extra["ArgumentName"] == named.split("_")[0]


def test_convert_of_a_silent_video_is_400():
    err = error("audio/convert,f_mp3", video())
    assert (err.status, err.code) == (400, "BadRequest")
    assert "no audio stream" in err.message


@pytest.mark.parametrize("data", [b"", b"ID3" + b"\x00" * 600, b"\xff\xfb" * 400])
def test_convert_of_a_non_audio_source_is_400(data):
    err = error("audio/convert,f_wav", data)
    assert (err.status, err.code) == (400, "BadRequest")


def test_convert_of_a_damaged_mp3_keeps_what_decodes(mp3):
    damaged = mp3[:1000] + b"\x00" * 2000 + mp3[3000:]
    *_, seconds = decoded_audio(run("audio/convert,f_wav", damaged).body)
    assert 1.0 < seconds < 2.1


def _pcm(wav: bytes) -> bytes:
    start = wav.index(b"data") + 8
    return wav[start:]
