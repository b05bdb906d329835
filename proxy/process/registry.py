"""The action registry: what each `<category>/<action>` accepts and which function runs it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from proxy.limits import Limits
from proxy.process.params import Param

Check = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class ActionSpec:
    """One OSS action. `apply`'s signature belongs to its category's runner.

    `single_value` actions take one bare value (`rotate,90`) held under the key "".
    `check` enforces rules across parameters after each value parsed on its own.
    `standalone` actions (`info`) cannot be chained with others.
    `hint` is an optional planning hook the category runner may consult before decoding (image:
    the source size an action needs, so a JPEG can be decoded at a reduced scale).
    `needs(values)` names the other objects of the same bucket the action reads (an image
    watermark's key): the server fetches them before the chain runs, since processing does no I/O.
    `signed_only` actions are refused to anonymous callers (media §1: IMM-backed doc/, video/info, audio/).
    """

    category: str
    name: str
    params: tuple[Param, ...]
    apply: Callable[..., Any]
    check: Check | None = None
    single_value: bool = False
    standalone: bool = False
    hint: Callable[..., Any] | None = None
    needs: Callable[[Mapping[str, Any]], tuple[str, ...]] | None = None
    signed_only: bool = False

    def param(self, key: str) -> Param | None:
        return next((p for p in self.params if p.key == key), None)

    def resolve(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The given values over the parameters' defaults: what `apply` receives."""
        return {p.key: p.default for p in self.params} | dict(values)


# Actions OSS has that Osprey does not run: they answer a clear 400 naming the action.
UNSUPPORTED: Mapping[str, frozenset[str]] = {
    "image": frozenset({"bodies", "cars", "labels", "score"}),  # no model fit for them ships in a package
    "doc": frozenset({"edit"}),  # online editing needs Alibaba's WebOffice (media §2.2)
}


@dataclass(frozen=True)
class Output:
    """What a chain produces: the body and its media type.

    `encode_s`, when the category measures it, is the time its final encode took (for the metrics).
    """

    body: bytes
    media_type: str
    encode_s: float | None = field(default=None, compare=False)


# A category runner turns the input bytes and that category's validated actions into an Output;
# the mapping holds the objects the actions' `needs` named, by key (absent when not found).
Runner = Callable[[bytes, "tuple[Any, ...]", Limits, Mapping[str, bytes]], Output]
NO_RESOURCES: Mapping[str, bytes] = MappingProxyType({})


class Registry:
    """A mapping (category, action) → spec, filled by each category package at import time."""

    def __init__(self) -> None:
        self._specs: dict[tuple[str, str], ActionSpec] = {}
        self._runners: dict[str, Runner] = {}

    def add_category(self, category: str, runner: Runner) -> None:
        self._runners[category] = runner

    def runner(self, category: str) -> Runner:
        return self._runners[category]

    def add(self, spec: ActionSpec) -> ActionSpec:
        key = (spec.category, spec.name)
        if key in self._specs:
            raise ValueError(f"action {spec.category}/{spec.name} registered twice")
        self._specs[key] = spec
        return spec

    def get(self, category: str, name: str) -> ActionSpec | None:
        return self._specs.get((category, name))

    def categories(self) -> set[str]:
        return set(self._runners)

    def actions(self, category: str) -> list[str]:
        return sorted(n for c, n in self._specs if c == category)


REGISTRY = Registry()
