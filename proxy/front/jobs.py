"""A processed read settled before any I/O: the one object the processing path passes along."""

from __future__ import annotations

from dataclasses import dataclass

from proxy.grammar.chain import Chain
from proxy.grammar.doc_source import with_key_type
from proxy.process.runner import needed_objects


@dataclass(frozen=True, slots=True)
class Job:
    """A processed read, settled before any I/O: the chain (typed for documents) and the objects it reads."""

    bucket: str
    key: str
    chain: Chain
    extra_keys: tuple[str, ...]


def plan(bucket: str, key: str, chain: Chain) -> Job:
    """The job of running `chain` on the object; a 400 here costs no fetch."""
    chain = with_key_type(chain, key)  # doc/ steps read the key's extension unless source_ names a type
    return Job(bucket, key, chain, needed_objects(chain))
