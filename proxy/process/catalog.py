"""Importing this module fills the registry with every processing category."""

from proxy.process import (
    audio,  # noqa: F401  (registers audio/*)
    doc,  # noqa: F401  (registers doc/*)
    image,  # noqa: F401  (registers image/*)
    video,  # noqa: F401  (registers video/*)
)
