"""image/* actions: decode once, run each action on an `ImageState`, encode once.

Adding an action is one module here, its spec in `proxy.grammar.image` (whose `engine` names the
module) and its test. The module defines `apply(state: ImageState, args: dict, limits: Limits) ->
ImageState` (args: every parameter, with defaults) and may define `hint(args, size)`, which lets the
runner decode a JPEG at a reduced scale: return the smallest source size the action needs, or
`encode_only` (from `state.py`) for actions that never read pixels; leave it unset when unsure (the
image is then decoded in full). An action that answers with its own body (info) sets
`state.output`, and the chain ends there.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from proxy.grammar.catalogue import ActionSpec
from proxy.grammar.chain import Action
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process import deadline, engines
from proxy.process.image.codec import decode, encode
from proxy.process.image.state import Size
from proxy.process.output import NO_RESOURCES, Output

Step = tuple[ActionSpec, dict[str, Any]]


def run_image(data: bytes, actions: tuple[Action, ...], limits: Limits,
              resources: Mapping[str, bytes] = NO_RESOURCES) -> Output:
    """Decode `data`, apply `actions` left to right, and encode the result (image §1.2); `resources` (other objects
    of the bucket, by key) reach the actions as `state.resources`."""
    steps = [_resolve(action) for action in actions]
    state = replace(decode(data, limits, partial(needed_size, steps)), resources=resources)
    for spec, args in steps:
        deadline.check()  # e.g. 20 blurs of a large image: the deadline stops the chain between them
        state = engines.engine(spec).apply(state, args, limits)
        if state.output is not None:
            return state.output
    started = time.perf_counter()
    output = encode(state)
    return replace(output, encode_s=time.perf_counter() - started)


def needed_size(steps: list[Step], size: Size) -> Size | None:
    """What the first pixel-reading action needs from a `size` source, if only encode-only actions
    come before it; None means decode in full."""
    for spec, args in steps:
        hint = engines.hint(spec)
        if hint is None:
            return None
        if (needed := hint(args, size)) is not None:
            return needed
    return None


def _resolve(action: Action) -> Step:
    spec = OSS.spec("image", action.name)
    return spec, spec.resolve(action.args)
