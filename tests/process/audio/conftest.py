"""Audio shared by the audio tests, written once per session."""

import pytest

from ..mediafiles import tone


@pytest.fixture(scope="session")
def wav() -> bytes:
    """3 s of 440 Hz, 44.1 kHz stereo 16-bit PCM."""
    return tone(3.0)


@pytest.fixture(scope="session")
def mp3() -> bytes:
    """2 s of 440 Hz, 22.05 kHz mono MP3."""
    return tone(2.0, rate=22050, channels=1, container="mp3", codec="libmp3lame")
