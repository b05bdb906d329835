"""The 3x3 gravity grid (`g_nw` … `g_se`) shared by actions that place one box inside another.

crop (image §4.2) uses it for the crop rectangle, watermark (image §4.3) for the mark; each applies its own
offsets, since crop adds x/y to the anchor while watermark keeps them as margins from the edges.
"""

from __future__ import annotations

from proxy.process.image.state import Size

_COLUMN = {"nw": 0, "west": 0, "sw": 0, "north": 1, "center": 1, "south": 1, "ne": 2, "east": 2, "se": 2}
_ROW = {"nw": 0, "north": 0, "ne": 0, "west": 1, "center": 1, "east": 1, "sw": 2, "south": 2, "se": 2}


def anchor(gravity: str, outer: Size, inner: Size) -> tuple[int, int]:
    """Top-left corner of an `inner` box at `gravity` in `outer` (the image §4.2 table; middles round down)."""
    return _place(_COLUMN[gravity], outer[0], inner[0]), _place(_ROW[gravity], outer[1], inner[1])


def _place(slot: int, outer: int, inner: int) -> int:
    return (0, (outer - inner) // 2, outer - inner)[slot]
