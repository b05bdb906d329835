"""doc/* actions (media §2): office files and PDFs, converted to PDF once, then paged, rendered or read.

A doc step reads its source as the type `source_` names (the front fills it from the key's
extension, see `source.py`). Office types go through LibreOffice (`office.py`), PDFs straight to
PDFium (`pdf.py`). Each action module defines `apply(state: DocState, args, limits) -> DocState`
(its spec is in `proxy.grammar.doc`); the last action sets `state.finish`, which the runner calls once at the end, so
`convert,target_jpg/snapshot,page_2` renders page 2 only. One step takes these shapes:
`[convert/](convert | snapshot | preview[/watermark])` — an optional convert that selects pages,
then what to produce.

Chains cross categories as the grammar allows: `doc/snapshot,page_1/image/resize,w_300` is a doc
step then an image step, the image step decoding the snapshot's JPG like any source image. All doc
actions are signed-only (media §1).
"""

from __future__ import annotations

from collections.abc import Mapping

from proxy.errors import OssError
from proxy.grammar.chain import Action
from proxy.grammar.doc_source import CATEGORY, step_type
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process import engines
from proxy.process.doc.document import DocState
from proxy.process.output import NO_RESOURCES, Output

_ENDS = (("convert",), ("snapshot",), ("preview",), ("preview", "watermark"))
SHAPES = frozenset({*_ENDS, *(("convert", *end) for end in _ENDS[1:])})


def run_doc(data: bytes, actions: tuple[Action, ...], limits: Limits,
            resources: Mapping[str, bytes] = NO_RESOURCES) -> Output:
    """Read `data` as the step's document type, apply `actions`, and produce what the last one asks for."""
    check_shape(actions)
    state = DocState(data, step_type(actions))
    for action in actions:
        spec = OSS.get(CATEGORY, action.name)
        assert spec is not None, f"the grammar lets only catalogued actions through, not {action.name}"
        state = engines.engine(spec).apply(state, spec.resolve(action.args), limits)
    assert state.finish is not None, "every accepted shape ends with an action that sets finish"
    return state.finish(state, limits)


def check_shape(actions: tuple[Action, ...]) -> None:
    """400 unless the step is `[convert/](convert | snapshot | preview[/watermark])`."""
    names = tuple(action.name for action in actions)
    if names not in SHAPES:
        raise OssError(
            400, "InvalidArgument",
            f"{CATEGORY}/{'/'.join(names)} cannot be combined that way; a doc step is an optional convert "
            "followed by one of convert, snapshot, or preview (optionally then watermark).",
        )
