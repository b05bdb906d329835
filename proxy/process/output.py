"""What a category runner returns, and the shape of a runner."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from proxy.limits import Limits


@dataclass(frozen=True)
class Output:
    """What a chain produces: the body and its media type."""

    body: bytes
    media_type: str
    # When the category measures it, the time its final encode took (for the metrics).
    encode_s: float | None = field(default=None, compare=False)


# A category runner turns the input bytes and that category's validated actions into an Output;
# the mapping holds the objects the actions' `needs` named, by key (absent when not found).
Runner = Callable[[bytes, "tuple[Any, ...]", Limits, Mapping[str, bytes]], Output]
NO_RESOURCES: Mapping[str, bytes] = MappingProxyType({})
