"""The document's type (`source_<ext>`): parsed like any value, or taken from the object key's extension.

Only the front knows the key, so it calls `with_key_type` on the parsed chain before fetching anything:
when no action of a leading `doc/` step names a source, the key's extension becomes `source_<ext>` of
the first action. The chain then says everything the worker needs, and its canonical form (the cache
key) names the type the document was read as.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from proxy.errors import OssError, missing_argument
from proxy.grammar.chain import Action, Chain
from proxy.grammar.params import Param

CATEGORY = "doc"
# The LibreOffice application that reads each type; "pdf" needs none.
FAMILIES = {
    "docx": "writer", "doc": "writer", "odt": "writer", "rtf": "writer", "txt": "writer",
    "xlsx": "calc", "xls": "calc", "ods": "calc", "csv": "calc",
    "pptx": "impress", "ppt": "impress", "odp": "impress",
}
SOURCE_TYPES = ("pdf", *FAMILIES)


def parse_source(text: str) -> str:
    """A document type in any case, normalised to lower case."""
    name = text.lower()
    if name not in SOURCE_TYPES:
        raise ValueError(text)
    return name


SOURCE = Param("source", parse_source, "one of " + ", ".join(SOURCE_TYPES))


def key_type(key: str) -> str | None:
    """The document type the key's extension names, if any (`reports/q3.DOCX` → docx)."""
    name = key.rsplit("/", 1)[-1]
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return None
    return ext.lower() if ext.lower() in SOURCE_TYPES else None


def with_key_type(chain: Chain, key: str) -> Chain:
    """`chain` with `source_<ext of key>` added when a leading doc step names no type; 400 when neither does."""
    if not chain.steps or chain.steps[0].category != CATEGORY:
        return chain
    step = chain.steps[0]
    if any(action.get("source") is not None for action in step.actions):
        return chain
    ext = key_type(key)
    if ext is None:
        raise missing_argument(
            f"{_names(step.actions)} needs source_<type> ({', '.join(SOURCE_TYPES)}): the object key "
            f"{key!r} has no document extension."
        )
    first = step.actions[0]
    typed = replace(first, values=tuple(sorted((*first.values, ("source", ext)))))
    return replace(chain, steps=(replace(step, actions=(typed, *step.actions[1:])), *chain.steps[1:]))


def step_type(actions: Sequence[Action]) -> str:
    """The one type a doc step reads its document as: the `source_` its actions name (400 if none or two)."""
    named = {value for action in actions if (value := action.get("source")) is not None}
    if len(named) > 1:
        raise OssError(
            400, "InvalidArgument",
            f"{_names(actions)} names several document types ({', '.join(sorted(named))}); give one source_.",
        )
    if not named:
        raise missing_argument(f"{_names(actions)} needs source_<type>: one of {', '.join(SOURCE_TYPES)}.")
    return named.pop()


def _names(actions: Sequence[Action]) -> str:
    return CATEGORY + "/" + "/".join(action.name for action in actions)
