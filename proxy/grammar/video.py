"""The video/ catalogue (media §3.1, media §3.2): a frame as an image, and the stream's metadata."""

from __future__ import annotations

from proxy.grammar.catalogue import ActionSpec
from proxy.grammar.params import choice_param, int_param

MAX_MS = 999_999_999
SNAPSHOT_FORMATS = ("jpg", "png")

SNAPSHOT = ActionSpec(
    "video", "snapshot",
    (
        int_param("t", 0, MAX_MS, default=0),
        int_param("w", 0, MAX_MS, default=0),
        int_param("h", 0, MAX_MS, default=0),
        choice_param("m", ("fast",)),
        choice_param("f", SNAPSHOT_FORMATS, default="jpg"),
        choice_param("ar", ("auto",)),
    ),
    "proxy.process.video.snapshot",
)
INFO = ActionSpec("video", "info", (), "proxy.process.video.info", standalone=True, signed_only=True)

VIDEO = (SNAPSHOT, INFO)
