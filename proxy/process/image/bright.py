"""image/bright (image §4.13): -100 darker … 0 unchanged … 100 brighter, per colour channel.

The curve is not published [U]: GIMP's legacy brightness, moving each value toward white (or black)
by |v| / 125 of the way, so ±100 keeps a fifth of the tonal range instead of a flat white or black.
"""

from __future__ import annotations

from typing import Any

from proxy.limits import Limits
from proxy.process.image.state import ImageState
from proxy.process.image.tone import Curve, apply_curve

_STRENGTH = 125  # |v| / 125: at most 0.8 of the way to white or black


def curve(value: int) -> Curve:
    """The brightness curve for `bright,<value>`: monotonic in the input and in `value`."""
    amount = value / _STRENGTH
    if amount >= 0:
        return lambda x: x + (255 - x) * amount
    return lambda x: x * (1 + amount)


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    return apply_curve(state, curve(args[""]))
