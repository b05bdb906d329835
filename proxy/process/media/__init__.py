"""What video/ and audio/ share: opening a source with FFmpeg (PyAV) safely, and the step runner.

A media step holds one action: each turns the whole source into a body of its own (an image, JSON,
an audio clip), so there is nothing for a second video/ or audio/ action to work on. Image actions
may follow a snapshot as a new step (`video/snapshot,t_1000/image/resize,w_100`).
"""

from __future__ import annotations

from collections.abc import Mapping

from proxy.errors import invalid_argument
from proxy.grammar.chain import Action
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process import engines
from proxy.process.output import NO_RESOURCES, Output


def run_media(category: str, data: bytes, actions: tuple[Action, ...], limits: Limits,
              resources: Mapping[str, bytes] = NO_RESOURCES) -> Output:
    """The category runner of video/ and audio/ (bound to a category with `functools.partial`)."""
    if len(actions) != 1:
        names = ", ".join(f"{category}/{action.name}" for action in actions)
        raise invalid_argument(f"{names}: a {category}/ step takes one action; start a new step for image actions.")
    action = actions[0]
    spec = OSS.get(category, action.name)
    assert spec is not None, f"the grammar lets only catalogued actions through, not {action.name}"
    return engines.engine(spec).apply(data, spec.resolve(action.args), limits)
