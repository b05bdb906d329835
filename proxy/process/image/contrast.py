"""image/contrast (image §4.13): -100 flatter … 0 unchanged … 100 steeper, per colour channel.

The curve is not published [U]: GIMP's legacy contrast, a line through mid-grey with slope
tan((c + 1)·π/4), c = v / 125, so ±100 gives slopes 6.3 and 0.16 rather than a threshold or a flat grey.
OSS documents no error code for contrast: a bad value answers InvalidArgument without an EC rather
than one borrowed from another action.
"""

from __future__ import annotations

import math
from typing import Any

from proxy.limits import Limits
from proxy.process.image.state import ImageState
from proxy.process.image.tone import Curve, apply_curve

_STRENGTH = 125
_MID = 127.5


def curve(value: int) -> Curve:
    """The contrast curve for `contrast,<value>`: slope grows with `value`, mid-grey stays put."""
    slope = math.tan((value / _STRENGTH + 1) * math.pi / 4)
    return lambda x: (x - _MID) * slope + _MID


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    return apply_curve(state, curve(args[""]))
