"""Count a GIF's frames from its block structure, stopping as soon as the count passes a limit.

Pillow's frame count walks every frame of the file before `limits.max_frames` can be checked: a
20 MiB GIF of 800 000 one-pixel frames costs seconds of CPU to refuse. This walk stops at the limit.
"""

from __future__ import annotations

_EXTENSION, _IMAGE, _TRAILER = 0x21, 0x2C, 0x3B
_HEADER = 13  # signature, logical screen descriptor


def count_frames(data: bytes, stop_after: int) -> int:
    """The image descriptors in `data`, at most `stop_after + 1`; a malformed tail ends the count."""
    if len(data) < _HEADER or not data.startswith((b"GIF87a", b"GIF89a")):
        return 0
    position = _HEADER + _colour_table(data[10])
    frames = 0
    while frames <= stop_after and position < len(data):
        block = data[position]
        if block == _EXTENSION:
            position = _skip_sub_blocks(data, position + 2)
        elif block == _IMAGE and position + 10 <= len(data):
            frames += 1
            position = _skip_sub_blocks(data, position + 10 + _colour_table(data[position + 9]) + 1)
        else:  # the trailer, or bytes that are no block: Pillow stops reading there too
            break
    return frames


def _colour_table(flags: int) -> int:
    """The bytes of the colour table a descriptor's flags announce."""
    return 3 << ((flags & 0x07) + 1) if flags & 0x80 else 0


def _skip_sub_blocks(data: bytes, position: int) -> int:
    """The offset after the data sub-blocks starting at `position` (each a length byte, 0 ends them)."""
    while position < len(data) and data[position]:
        position += data[position] + 1
    return position + 1
