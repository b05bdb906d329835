"""The audio/ catalogue (media §3.2, media §3.3): metadata, and a clip converted to another format; both signed-only."""

from __future__ import annotations

from proxy.grammar.catalogue import ActionSpec
from proxy.grammar.params import choice_param, int_param

MAX_MS = 999_999_999
CONVERT_FORMATS = ("mp3", "aac", "ogg", "wav", "flac")

INFO = ActionSpec("audio", "info", (), "proxy.process.audio.info", standalone=True, signed_only=True)
CONVERT = ActionSpec(
    "audio", "convert",
    (
        choice_param("f", CONVERT_FORMATS, required=True),
        int_param("ab", 8_000, 640_000),
        int_param("ar", 8_000, 192_000),
        int_param("ac", 1, 8),
        int_param("ss", 0, MAX_MS, default=0),
        int_param("t", 1, MAX_MS),
    ),
    "proxy.process.audio.convert",
    signed_only=True,
)

AUDIO = (INFO, CONVERT)
