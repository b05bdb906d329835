"""Run a parsed chain: each category step turns bytes into bytes, left to right."""

from __future__ import annotations

import proxy.process.catalog  # noqa: F401  (fills the registry in worker processes too)
from proxy.limits import Limits
from proxy.process.grammar import Chain
from proxy.process.registry import REGISTRY, Output, Registry


def run_chain(chain: Chain, source: bytes, media_type: str, limits: Limits,
              registry: Registry = REGISTRY) -> Output:
    """Apply every step of `chain` to `source`; raises `OssError` on bad input or a limit."""
    output = Output(source, media_type)
    for step in chain.steps:
        output = registry.runner(step.category)(output.body, step.actions, limits)
    return output
