"""Videos shared by the video tests, written once per session (H.264 and H.265, 2 s at 10 fps)."""

import pytest

from ..mediafiles import video


@pytest.fixture(scope="session")
def h264() -> bytes:
    return video("libx264")


@pytest.fixture(scope="session")
def hevc() -> bytes:
    return video("libx265")


@pytest.fixture(scope="session")
def portrait() -> bytes:
    """64x48 stored, shown 48x64: a phone held upright (display matrix -90°, `rotate` 90)."""
    return video("libx264", rotation=-90)
