"""The `x-oss-process` grammar: parse, validate, normalise to one canonical string, and build.

`image/resize,w_100,m_lfit/format,webp` → Chain(steps=(Step("image", (resize…, format…)),)).
The canonical form sorts each action's arguments and drops values equal to their defaults, so two
strings with the same meaning give the same cache key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from proxy.errors import OssError, bad_request, not_implemented
from proxy.grammar.catalogue import ActionSpec, Catalogue
from proxy.grammar.params import missing

STYLE = "style"
EC_NO_ACTION = "0040-00000212"
EC_UNKNOWN_ACTION = "0040-00000213"
EC_SEVERAL_VALUES = "0040-00000203"


@dataclass(frozen=True)
class Action:
    """One validated action: its typed values, only those the client gave (defaults dropped)."""

    category: str
    name: str
    values: tuple[tuple[str, Any], ...]

    def get(self, key: str, default: Any = None) -> Any:
        return next((v for k, v in self.values if k == key), default)

    @property
    def args(self) -> dict[str, Any]:
        return dict(self.values)

    def canonical(self) -> str:
        parts = [self.name]
        parts += [_text(v) if k == "" else f"{k}_{_text(v)}" for k, v in self.values]
        return ",".join(parts)


@dataclass(frozen=True)
class Step:
    """Consecutive actions of one category, run by that category's runner."""

    category: str
    actions: tuple[Action, ...]

    def canonical(self) -> str:
        return "/".join([self.category, *(a.canonical() for a in self.actions)])


@dataclass(frozen=True)
class Chain:
    """A parsed process string; `style` is set instead of steps for `style/<name>`."""

    steps: tuple[Step, ...] = ()
    style: str | None = None

    def canonical(self) -> str:
        return self._canonical

    @cached_property
    def _canonical(self) -> str:
        """Computed once per chain: parsed chains are memoised, so a popular URL renders it once."""
        if self.style is not None:
            return f"{STYLE}/{self.style}"
        return "/".join(s.canonical() for s in self.steps)

    def actions(self) -> Iterable[Action]:
        for step in self.steps:
            yield from step.actions


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def parse_process(text: str, catalogue: Catalogue, max_actions: int = 20) -> Chain:
    """Parse an already percent-decoded process string against `catalogue`, or raise a 400 `OssError`; chains are
    immutable, so they are remembered: a popular URL is parsed once."""
    return _parse(text, catalogue, max_actions)


@lru_cache(maxsize=4096)
def _parse(text: str, catalogue: Catalogue, max_actions: int) -> Chain:
    if "|" in text or text.startswith("sys/") or "/sys/" in text:
        raise bad_request("sys/saveas is only allowed in a POST body (x-oss-process=...|sys/saveas,...).")
    segments = text.split("/")
    head = segments[0]
    if head == STYLE:
        return _parse_style(segments)
    if head not in catalogue.categories():
        raise bad_request(
            f"The process category {head!r} is not supported; use one of "
            + ", ".join(sorted(catalogue.categories() | {STYLE})) + ".",
        )
    steps: list[Step] = []
    category, actions = head, []
    for segment in segments[1:]:
        if segment in catalogue.categories() and catalogue.get(category, segment) is None:
            steps.append(_close_step(category, actions))
            category, actions = segment, []
            continue
        actions.append(_parse_action(category, segment, catalogue))
    steps.append(_close_step(category, actions))
    chain = Chain(tuple(steps))
    _check_chain(chain, catalogue, max_actions)
    return chain


def _parse_style(segments: list[str]) -> Chain:
    if len(segments) != 2 or not segments[1]:
        raise bad_request("style/<name> takes one style name and cannot be combined with other steps.")
    return Chain(style=segments[1])


def _close_step(category: str, actions: list[Action]) -> Step:
    if not actions:
        raise bad_request(f"{category}/ names no action.", EC_NO_ACTION)
    return Step(category, tuple(actions))


def _parse_action(category: str, segment: str, catalogue: Catalogue) -> Action:
    name, *args = segment.split(",")
    if not name:
        raise bad_request(f"Empty action in {category}/ (stray '/' or ',').", EC_NO_ACTION)
    spec = catalogue.get(category, name)
    if spec is None:
        if catalogue.is_unsupported(category, name):
            raise not_implemented(f"{category}/{name} is not supported by this server.")
        raise bad_request(f"{category}/{name} is not a known action.", EC_UNKNOWN_ACTION)
    return Action(category, name, _parse_args(spec, args))


def _parse_args(spec: ActionSpec, args: list[str]) -> tuple[tuple[str, Any], ...]:
    values: dict[str, Any] = {}
    if spec.single_value:
        bare = [a for a in args if a != ""]
        if len(bare) > 1:
            raise bad_request(f"{spec.name} takes one value, got {len(bare)}.", EC_SEVERAL_VALUES)
        if bare:
            param = spec.param("")
            assert param is not None, f"single-value action {spec.name} has no bare param"
            values[""] = param.convert(spec.name, bare[0])
    else:
        for arg in args:
            if arg == "":
                continue
            key, sep, raw = arg.partition("_")
            if not sep:
                raise bad_request(f"Malformed argument {arg!r} in {spec.name}: expected key_value.")
            param = spec.param(key)
            if param is None:
                continue  # OSS ignores unknown keys (every SDK test sends crop with an extra r_1)
            if key in values:
                raise bad_request(f"{spec.name} has {key}_ twice.")
            values[key] = param.convert(spec.name, raw)
    _check_required(spec, values)
    if spec.check is not None:
        spec.check(values)
    kept = {k: v for k, v in values.items() if v != _default(spec, k)}
    return tuple(sorted(kept.items()))


def _check_required(spec: ActionSpec, values: Mapping[str, Any]) -> None:
    for param in spec.params:
        if param.required and param.key not in values:
            raise missing(spec.name, (param.key,), param.ec)
    if spec.one_of and not any(key in values for key in spec.one_of):
        raise missing(spec.name, spec.one_of, spec.one_of_ec)


def _default(spec: ActionSpec, key: str) -> Any:
    param = spec.param(key)
    return None if param is None else param.default


def _check_chain(chain: Chain, catalogue: Catalogue, max_actions: int) -> None:
    actions = list(chain.actions())
    if len(actions) > max_actions:
        raise bad_request(
            f"The process chain has {len(actions)} actions; at most {max_actions} are allowed "
            "(limits.max_chain)."
        )
    for action in actions:
        spec = catalogue.get(action.category, action.name)
        if spec is not None and spec.standalone and len(actions) > 1:
            raise OssError(
                400, "InvalidArgument",
                f"{action.category}/{action.name} cannot be combined with other actions.",
            )


def build_process(category: str, *actions: tuple[str, Mapping[str, Any] | Any]) -> str:
    """Build a process string from parts: `build_process("image", ("resize", {"w": 300}))`; a non-mapping second
    element is a single bare value: `("rotate", 90)`."""
    parts = [category]
    for name, args in actions:
        if isinstance(args, Mapping):
            parts.append(",".join([name, *(f"{k}_{_text(v)}" for k, v in args.items())]))
        elif args is None:
            parts.append(name)
        else:
            parts.append(f"{name},{_text(args)}")
    return "/".join(parts)
