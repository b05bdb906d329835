"""CRC-64/ECMA-182 as OSS computes it (the XZ variant), for `x-oss-hash-crc64ecma`."""

from __future__ import annotations

import crcmod

_POLY = 0x142F0E1EBA9EA3693
# crcmod's C extension: about as fast as hashing; its `initCrc` is the register already XORed with `xorOut`.
_step = crcmod.mkCrcFun(_POLY, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)


class Crc64:
    """A running CRC-64 behind hashlib's interface (big-endian bytes), its value and how many bytes it saw."""

    def __init__(self) -> None:
        self.value, self.length = 0, 0

    def update(self, data: bytes, /) -> None:
        self.value, self.length = _step(data, self.value), self.length + len(data)

    def digest(self) -> bytes:
        return self.value.to_bytes(8, "big")
