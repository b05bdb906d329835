"""CRC-64/ECMA as OSS and its SDKs compute it: the check value of the catalogue, and oss2's own on random bytes."""

import os

import oss2
import pytest

from proxy.crc64 import Crc64


def _crc(data: bytes) -> int:
    crc = Crc64()
    crc.update(data)
    return crc.value


def test_the_catalogue_check_value():
    assert _crc(b"123456789") == 0x995DC9BBDF1939FA  # CRC-64/XZ
    assert _crc(b"") == 0


@pytest.mark.parametrize("sizes", [(1,), (1000, 777), (5, 100_001, 3)])
def test_a_running_crc_matches_oss2_on_the_joined_bytes(sizes):
    pieces = [os.urandom(size) for size in sizes]
    reference = oss2.utils.Crc64()
    reference.update(b"".join(pieces))
    running = Crc64()
    for piece in pieces:
        running.update(piece)
    assert (running.value, running.length) == (reference.crc, sum(sizes))
    assert running.digest() == reference.crc.to_bytes(8, "big")
