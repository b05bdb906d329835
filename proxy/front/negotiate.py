"""Content negotiation: with `[buckets.<name>] auto_format`, a chain without `format` gets the best image
format the client's Accept header allows, and the response varies on Accept."""

from __future__ import annotations

from proxy.grammar.chain import Chain, parse_process
from proxy.grammar.oss import OSS


def negotiable(chain: Chain, formats: tuple[str, ...]) -> bool:
    """Whether the output format of `chain` is ours to pick: image output, no explicit format."""
    if not formats or not chain.steps or chain.steps[-1].category != "image":
        return False
    for action in chain.actions():
        spec = OSS.get(action.category, action.name)
        if action.name == "format" or (spec is not None and spec.standalone):
            return False
    return True


def pick_format(accept: str, formats: tuple[str, ...]) -> str | None:
    """The first of `formats` (in the operator's order) that Accept names with a non-zero weight."""
    accepted = set()
    for part in accept.lower().split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if _weight(params) > 0:
            accepted.add(media)
    return next((f for f in formats if f"image/{f}" in accepted), None)


def _weight(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def negotiate(chain: Chain, accept: str, formats: tuple[str, ...]) -> Chain:
    """`chain` with `format,<best>` appended when the client accepts one of `formats`."""
    best = pick_format(accept, formats)
    if best is None:
        return chain
    actions = len(list(chain.actions()))
    return parse_process(f"{chain.canonical()}/format,{best}", OSS, max_actions=actions + 1)
