"""Run a parsed chain: each category step turns bytes into bytes, left to right."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from types import MappingProxyType

from proxy.errors import invalid_argument
from proxy.grammar.catalogue import Catalogue
from proxy.grammar.chain import Chain
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process import deadline
from proxy.process.doc import run_doc
from proxy.process.image import run_image
from proxy.process.media import run_media
from proxy.process.media.sparse import NeedBytes, SparseSource
from proxy.process.output import NO_RESOURCES, Output, Runner

# OSS allows three image watermarks on one image (image §4.3): the bound on objects fetched besides the source.
MAX_NEEDED_OBJECTS = 3
# Categories whose sources are routinely larger than images (limits.max_media_source_bytes).
MEDIA_CATEGORIES = frozenset({"video", "audio"})
# Categories whose first step may read part of the source (a SparseSource) through seeks.
RANGED_CATEGORIES = frozenset({"video"})
# The runner of each category's steps; each finds its actions' engines through the catalogue.
RUNNERS: Mapping[str, Runner] = MappingProxyType({
    "image": run_image, "doc": run_doc, "video": partial(run_media, "video"), "audio": partial(run_media, "audio"),
})


def needed_objects(chain: Chain, catalogue: Catalogue = OSS) -> tuple[str, ...]:
    """The other objects of the same bucket that `chain` reads, each once, in order of use; a 400 when the chain
    names more than MAX_NEEDED_OBJECTS, before anything is fetched."""
    keys = [
        key
        for action in chain.actions()
        if (spec := catalogue.get(action.category, action.name)) is not None and spec.needs is not None
        for key in spec.needs(action.args)
    ]
    if len(keys) > MAX_NEEDED_OBJECTS:
        raise invalid_argument(
            f"The process chain uses {len(keys)} watermark images; at most {MAX_NEEDED_OBJECTS} are allowed."
        )
    return tuple(dict.fromkeys(keys))


def max_source_bytes(chain: Chain, limits: Limits) -> int:
    """The most the server should fetch of the source for `chain`: its first step reads the object."""
    if chain.steps and chain.steps[0].category in MEDIA_CATEGORIES:
        return limits.max_media_source_bytes
    return limits.max_source_bytes


def reads_ranges(chain: Chain) -> bool:
    """Whether `chain` may run on part of the source (`run_chain_sparse`) rather than all of it."""
    return bool(chain.steps) and chain.steps[0].category in RANGED_CATEGORIES


def run_chain(chain: Chain, source: bytes, media_type: str, limits: Limits,
              resources: Mapping[str, bytes] = NO_RESOURCES) -> Output:
    """Apply every step of `chain` to `source`, `resources` holding the objects `needed_objects(chain)` named that
    exist, by key; raises `OssError` on bad input or a limit."""
    output = Output(source, media_type)
    for step in chain.steps:
        deadline.check()  # a step may be long: none starts once the pool's deadline has passed
        output = RUNNERS[step.category](output.body, step.actions, limits, resources)
    return output


def run_chain_sparse(chain: Chain, source: SparseSource, media_type: str, limits: Limits,
                     resources: Mapping[str, bytes] = NO_RESOURCES) -> Output | NeedBytes:
    """`run_chain` on the part of the source held (for a `reads_ranges` chain), or the bytes it
    lacks: a result, not an error, so the server fetches them and calls again."""
    assert reads_ranges(chain), "only video/ steps read a SparseSource"
    try:
        return run_chain(chain, source, media_type, limits, resources)  # type: ignore[arg-type]
    except NeedBytes as need:
        return need
