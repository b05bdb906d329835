"""image/* actions: decode once, run each action on an `ImageState`, encode once.

Adding an action is one module plus one line in `ACTIONS`. The module defines
`apply(state: ImageState, args: dict, limits: Limits) -> ImageState` (args: every parameter, with
defaults) and `SPEC = ActionSpec("image", name, params, apply, check=..., hint=...)`. `hint(args,
size)` lets the runner decode a JPEG at a reduced scale: return the smallest source size the action
needs, or `encode_only` (from `state.py`) for actions that never read pixels; leave it unset when unsure
(the image is then decoded in full). An action that answers with its own body (info) sets
`state.output`, and the chain ends there.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from proxy.limits import Limits
from proxy.process import deadline
from proxy.process.grammar import Action
from proxy.process.image import (
    auto_orient,
    average_hue,
    blindwatermark,
    blindwatermark_decode,
    blur,
    bright,
    circle,
    codes,
    contrast,
    crop,
    faces,
    format,
    indexcrop,
    info,
    interlace,
    quality,
    resize,
    rotate,
    rounded_corners,
    sharpen,
    watermark,
)
from proxy.process.image.codec import decode, encode
from proxy.process.image.state import Size
from proxy.process.registry import NO_RESOURCES, REGISTRY, ActionSpec, Output

ACTIONS = (
    resize.SPEC, format.SPEC, quality.SPEC, interlace.SPEC,
    crop.SPEC, indexcrop.SPEC, circle.SPEC, rounded_corners.SPEC, rotate.SPEC, auto_orient.SPEC,
    blur.SPEC, bright.SPEC, contrast.SPEC, sharpen.SPEC, info.SPEC, average_hue.SPEC,
    watermark.SPEC, codes.SPEC, faces.SPEC, blindwatermark.SPEC, blindwatermark_decode.SPEC,
)

Step = tuple[ActionSpec, dict[str, Any]]


def run_image(data: bytes, actions: tuple[Action, ...], limits: Limits,
              resources: Mapping[str, bytes] = NO_RESOURCES) -> Output:
    """Decode `data`, apply `actions` left to right, and encode the result (image §1.2).

    `resources` (other objects of the bucket, by key) reach the actions as `state.resources`.
    """
    steps = [_resolve(action) for action in actions]
    state = replace(decode(data, limits, partial(needed_size, steps)), resources=resources)
    for spec, args in steps:
        deadline.check()  # e.g. 20 blurs of a large image: the deadline stops the chain between them
        state = spec.apply(state, args, limits)
        if state.output is not None:
            return state.output
    started = time.perf_counter()
    output = encode(state)
    return replace(output, encode_s=time.perf_counter() - started)


def needed_size(steps: list[Step], size: Size) -> Size | None:
    """What the first pixel-reading action needs from a `size` source, if only encode-only actions
    come before it; None means decode in full."""
    for spec, args in steps:
        if spec.hint is None:
            return None
        if (needed := spec.hint(args, size)) is not None:
            return needed
    return None


def _resolve(action: Action) -> Step:
    spec = REGISTRY.get("image", action.name)
    assert spec is not None, f"the grammar lets only registered actions through, not {action.name}"
    return spec, spec.resolve(action.args)


for _action in ACTIONS:
    REGISTRY.add(_action)
REGISTRY.add_category("image", run_image)
