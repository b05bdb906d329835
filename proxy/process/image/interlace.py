"""image/interlace (image §4.6): 1 writes a progressive JPG, 0 a baseline one; other formats ignore it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from proxy.limits import Limits
from proxy.process.image.state import ImageState, encode_only
from proxy.process.params import check_required, int_param
from proxy.process.registry import ActionSpec


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    return replace(state, progressive=args[""] == 1)


SPEC = ActionSpec(
    "image", "interlace",
    (int_param("", 0, 1),),
    apply,
    check=lambda values: check_required("interlace", values, ("",), None),
    single_value=True,
    hint=encode_only,
)
