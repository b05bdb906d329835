"""The catalogue: what each `<category>/<action>` accepts, and the dotted path of the module that runs it.

This is the grammar half of an action only; the engine (`apply`, `hint`) lives in the module `engine`
names, which `proxy.process.engines` imports when a chain first needs it. So parsing a URL, building a
process string or listing the actions imports no image, video or document library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from proxy.grammar.params import Param

Check = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class ActionSpec:
    """One OSS action as the grammar sees it: its parameters, the rules across them, and the engine that runs it."""

    category: str
    name: str
    params: tuple[Param, ...]
    # The module that runs the action: it defines `apply` (its signature belongs to the category's runner) and
    # may define `hint`, the decode hint the runner consults before decoding.
    engine: str
    # Keys of which at least one must be given (else MissingArgument with `one_of_ec`), besides each `required`
    # parameter; `check` then enforces rules across parameters, each value parsed on its own.
    one_of: tuple[str, ...] = ()
    one_of_ec: str | None = None
    check: Check | None = None
    single_value: bool = False  # one bare value (`rotate,90`), held under the key ""
    standalone: bool = False  # cannot be chained with others (`info`)
    # `needs(values)` names the other objects of the same bucket the action reads (an image watermark's key):
    # the server fetches them before the chain runs, since processing does no I/O.
    needs: Callable[[Mapping[str, Any]], tuple[str, ...]] | None = None
    # Refused to anonymous callers (media §1: IMM-backed doc/, video/info, audio/).
    signed_only: bool = False
    # Arguments the action runs with on a small image ("" for none): the sample the docs, a playground and the
    # catalogue's contract tests use.
    example: str = ""

    def param(self, key: str) -> Param | None:
        return next((p for p in self.params if p.key == key), None)

    def resolve(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The given values over the parameters' defaults: what the engine's `apply` receives."""
        return {p.key: p.default for p in self.params} | dict(values)


@dataclass(frozen=True, eq=False)
class Catalogue:
    """Every action a dialect knows, by (category, name), and those it names but does not run; compared and
    hashed by identity, since parsed chains are memoised per catalogue."""

    specs: tuple[ActionSpec, ...]
    unsupported: Mapping[str, frozenset[str]] = field(default_factory=dict)
    _index: dict[tuple[str, str], ActionSpec] = field(init=False, repr=False)
    _categories: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], ActionSpec] = {}
        for spec in self.specs:
            key = (spec.category, spec.name)
            if key in index:
                raise ValueError(f"action {spec.category}/{spec.name} is in the catalogue twice")
            index[key] = spec
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_categories", frozenset(spec.category for spec in self.specs))

    def get(self, category: str, name: str) -> ActionSpec | None:
        return self._index.get((category, name))

    def spec(self, category: str, name: str) -> ActionSpec:
        """The spec of an action of a parsed chain: the grammar lets only catalogued ones through."""
        return self._index[(category, name)]

    def categories(self) -> frozenset[str]:
        return self._categories

    def actions(self, category: str) -> list[str]:
        return sorted(spec.name for spec in self.specs if spec.category == category)

    def is_unsupported(self, category: str, name: str) -> bool:
        """Whether OSS has this action and this server answers it with a clear 501."""
        return name in self.unsupported.get(category, ())

    def engines(self) -> Iterable[str]:
        """The engine module of every action, each once."""
        return dict.fromkeys(spec.engine for spec in self.specs)
