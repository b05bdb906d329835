"""A video held in part: the byte ranges fetched so far of an object whose size is known.

The server fetches the first block of a large video and lets the worker ask for more: a read outside
the held ranges records `NeedBytes` and ends the step, the server fetches that range and runs the step
again. Demuxers with an index (MP4's `moov`, Matroska's cues) thus read the index and the packets
around the requested time, not the whole file.
"""

from __future__ import annotations

import io
from bisect import bisect_right


class NeedBytes(Exception):
    """The step read `length` bytes at `offset` that the sparse source does not hold: raised out of
    `open_source`, returned by `run_chain_sparse` as a request for more input, not an error."""

    def __init__(self, offset: int, length: int) -> None:
        super().__init__(offset, length)
        self.offset, self.length = offset, length


class SparseSource:
    """A readable, seekable file of `size` bytes of which only `ranges` ((offset, bytes), disjoint) are held; a read
    not held records it in `missing`, which the caller checks after the step whatever its outcome."""

    def __init__(self, size: int, ranges: tuple[tuple[int, bytes], ...] = ()) -> None:
        self.size = size
        self.ranges = tuple(sorted((offset, data) for offset, data in ranges if data))
        self._starts = [offset for offset, _ in self.ranges]
        self._position = 0
        # A read at a position not held records it here and answers end of file from then on, rather than raise:
        # PyAV reports a Python exception raised in its read callback only on some paths (and logs it as
        # dropped on others).
        self.missing: NeedBytes | None = None

    def __len__(self) -> int:
        return self.size

    @property
    def held(self) -> int:
        """The bytes held, in all ranges."""
        return sum(len(data) for _, data in self.ranges)

    def with_range(self, offset: int, data: bytes) -> SparseSource:
        """A copy that also holds `data` at `offset` (which must not overlap a held range)."""
        return SparseSource(self.size, (*self.ranges, (offset, data)))

    def gaps(self, start: int, end: int) -> list[tuple[int, int]]:
        """The spans [a, b) of [start, end) ∩ [0, size) not held, in order."""
        end = min(end, self.size)
        spans, cursor = [], max(0, start)
        for offset, data in self.ranges:
            if offset + len(data) <= cursor:
                continue
            if offset >= end:
                break
            if offset > cursor:
                spans.append((cursor, offset))
            cursor = max(cursor, offset + len(data))
        if cursor < end:
            spans.append((cursor, end))
        return spans

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes from the held range at the position (fewer at its end); b"" at end of
        file, or where nothing is held (then `missing` says what was wanted)."""
        position = self._position
        if self.missing is not None:
            return b""  # the step's result is void anyway: let FFmpeg stop at once
        if size < 0:
            size = self.size - position
        if position >= self.size or size == 0:
            return b""
        index = bisect_right(self._starts, position) - 1
        if index >= 0:
            offset, data = self.ranges[index]
            if position < offset + len(data):
                chunk = data[position - offset:position - offset + size]
                self._position += len(chunk)
                return chunk
        self.missing = NeedBytes(position, min(size, self.size - position))
        return b""
