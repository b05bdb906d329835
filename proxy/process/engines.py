"""The engines of the catalogue's actions, found by the dotted path each spec names.

An explicit import by name, once per module (cached), instead of every category filling a global on
import: the grammar stays free of the engines, and a worker imports them all once at warm-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from types import ModuleType
from typing import Any

from proxy.grammar.catalogue import ActionSpec, Catalogue
from proxy.grammar.oss import OSS


@cache
def _module(path: str) -> ModuleType:
    return importlib.import_module(path)


def engine(spec: ActionSpec) -> ModuleType:
    """The module that runs `spec`: it defines `apply` and may define `hint`."""
    return _module(spec.engine)


def hint(spec: ActionSpec) -> Callable[..., Any] | None:
    """The engine's decode hint, or None when it has none."""
    return getattr(engine(spec), "hint", None)


def warm_up(catalogue: Catalogue = OSS) -> None:
    """Import every engine of `catalogue` now rather than on the first request that needs it."""
    for path in catalogue.engines():
        _module(path)

