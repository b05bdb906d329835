"""video/* actions. Adding one is a module with `apply(data, args, limits) -> Output` and `SPEC`, plus
one line in `ACTIONS`; `proxy.process.media` runs the step and opens the source."""

from __future__ import annotations

from functools import partial

from proxy.process.media import run_media
from proxy.process.registry import REGISTRY
from proxy.process.video import info, snapshot

ACTIONS = (snapshot.SPEC, info.SPEC)

for _action in ACTIONS:
    REGISTRY.add(_action)
REGISTRY.add_category("video", partial(run_media, "video"))
