"""Count a JPEG's scans from its marker segments, before anything is decoded.

libjpeg decodes every scan of a progressive JPEG over the whole coefficient buffer, so a small file
repeating one scan thousands of times costs minutes of CPU: the number of SOS markers is that cost,
and reading it takes a pass over the bytes in which only segment headers are looked at.
"""

from __future__ import annotations

import re

_EOI, _SOS = 0xD9, 0xDA
_STANDALONE = frozenset({0x01, 0xD8, *range(0xD0, 0xD8)})  # TEM, SOI, RST0-7 carry no length
# The marker that ends entropy-coded data: 0xFF then neither 0x00 (a stuffed 0xFF byte), an RST
# (restart markers sit inside the data) nor 0xFF (fill bytes before the real marker). One byte of
# look-ahead, so the search stays linear whatever the bytes.
_END_OF_ENTROPY = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def count_scans(data: bytes, stop_after: int) -> int:
    """The SOS markers of the first image in `data` (up to its EOI), 0 for no JPEG; the walk stops once past
    `stop_after`, and a malformed tail ends the count where libjpeg would stop reading too."""
    if not data.startswith(b"\xff\xd8"):
        return 0
    position, scans, size = 2, 0, len(data)
    while scans <= stop_after and position + 1 < size:
        if data[position] != 0xFF:  # bytes between segments: libjpeg skips to the next 0xFF as well
            position = data.find(b"\xff", position)
            if position < 0:
                break
            continue
        marker = data[position + 1]
        if marker == 0xFF:  # a fill byte before the marker
            position += 1
            continue
        if marker == _EOI:
            break
        if marker in _STANDALONE:
            position += 2
            continue
        length = int.from_bytes(data[position + 2:position + 4], "big")
        if length < 2:
            break
        position += 2 + length
        if marker == _SOS:
            scans += 1
            found = _END_OF_ENTROPY.search(data, position)
            position = found.start() if found else size
    return scans
