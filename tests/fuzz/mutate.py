"""Seeded mutations of valid files: bit flips, interesting values, chunk edits, inflated dimensions, splices.

Each mutator takes a `random.Random`, so a (seed, case number) pair always gives the same bytes, and
returns the mutated bytes with a short description of what it did, for the failure report.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Values that sit on the edges parsers get wrong: zero, one, sign bits, all ones, and huge sizes.
INTERESTING = {
    1: (0x00, 0x01, 0x7F, 0x80, 0xFF),
    2: (0x0000, 0x0001, 0x7FFF, 0x8000, 0xFFFF, 30_000, 30_001),
    4: (0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x0001_0000, 250_000_001),
}
INFLATED = (0, 1, 16_384, 30_000, 30_001, 65_535, 0x7FFF_FFFF, 0xFFFF_FFFF)
HEADER_BYTES = 512  # where most format fields live in these small seeds
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Seed:
    """A valid file to mutate: `dims` are its width and height, searched for by `inflate_dimensions`."""

    name: str
    data: bytes
    dims: tuple[int, ...] = ()


Mutator = Callable[[random.Random, bytes, Seed, Sequence[Seed]], tuple[bytes, str]]


def _position(rng: random.Random, data: bytes) -> int:
    """A byte offset, in the header half the time."""
    limit = len(data) if rng.random() < 0.5 else min(len(data), HEADER_BYTES)
    return rng.randrange(max(limit, 1))


def bit_flips(rng: random.Random, data: bytes, _seed: Seed, _others: Sequence[Seed]) -> tuple[bytes, str]:
    out = bytearray(data)
    spots = [_position(rng, data) for _ in range(rng.randint(1, 8))]
    for spot in spots:
        out[spot] ^= 1 << rng.randrange(8)
    return bytes(out), f"flip@{','.join(map(str, spots))}"


def interesting_values(rng: random.Random, data: bytes, _seed: Seed, _others: Sequence[Seed]) -> tuple[bytes, str]:
    out = bytearray(data)
    done = []
    for _ in range(rng.randint(1, 4)):
        width = rng.choice((1, 2, 4))
        spot = min(_position(rng, data), max(len(data) - width, 0))
        order = rng.choice("<>")
        value = rng.choice(INTERESTING[width])
        out[spot:spot + width] = value.to_bytes(width, "little" if order == "<" else "big")
        done.append(f"{spot}={value:#x}")
    return bytes(out), f"set@{','.join(done)}"


def duplicate_chunk(rng: random.Random, data: bytes, _seed: Seed, _others: Sequence[Seed]) -> tuple[bytes, str]:
    start = rng.randrange(len(data))
    length = rng.randint(1, max(1, min(len(data) - start, 4096)))
    where = rng.randrange(len(data) + 1)
    return data[:where] + data[start:start + length] + data[where:], f"dup[{start}:+{length}]@{where}"


def delete_chunk(rng: random.Random, data: bytes, _seed: Seed, _others: Sequence[Seed]) -> tuple[bytes, str]:
    start = rng.randrange(len(data))
    length = rng.randint(1, max(1, min(len(data) - start, 4096)))
    return data[:start] + data[start + length:], f"del[{start}:+{length}]"


def truncate(rng: random.Random, data: bytes, _seed: Seed, _others: Sequence[Seed]) -> tuple[bytes, str]:
    end = rng.randrange(len(data))
    return data[:end], f"cut@{end}"


def inflate_dimensions(rng: random.Random, data: bytes, seed: Seed, _others: Sequence[Seed]) -> tuple[bytes, str]:
    """Rewrite a field holding the seed's width or height (16 or 32 bits, either byte order) in the header."""
    head = data[:HEADER_BYTES * 2]
    found = [
        (spot, fmt)
        for dim in seed.dims
        for fmt in (">H", "<H", ">I", "<I")
        if dim < 1 << (8 * struct.calcsize(fmt))
        for spot in _occurrences(head, struct.pack(fmt, dim))
    ]
    if not found:
        return bit_flips(rng, data, seed, _others)
    spot, fmt = rng.choice(found)
    value = rng.choice(INFLATED) & ((1 << (8 * struct.calcsize(fmt))) - 1)
    out = bytearray(data)
    struct.pack_into(fmt, out, spot, value)
    return bytes(out), f"dims@{spot}{fmt}={value}"


def splice(rng: random.Random, data: bytes, _seed: Seed, others: Sequence[Seed]) -> tuple[bytes, str]:
    """The head of this file on the tail of another seed."""
    other = rng.choice(others)
    cut, resume = rng.randrange(len(data)), rng.randrange(len(other.data))
    return data[:cut] + other.data[resume:], f"splice[:{cut}]+{other.name}[{resume}:]"


def _occurrences(data: bytes, needle: bytes) -> list[int]:
    spots, start = [], data.find(needle)
    while start != -1:
        spots.append(start)
        start = data.find(needle, start + 1)
    return spots


MUTATORS: tuple[Mutator, ...] = (
    bit_flips, interesting_values, duplicate_chunk, delete_chunk, truncate, inflate_dimensions, splice,
)


def mutate(rng: random.Random, seed: Seed, others: Sequence[Seed]) -> tuple[bytes, str]:
    """One to three stacked mutations of `seed`; a PNG's chunk CRCs are then repaired half the time, so
    the mutation reaches the decoder instead of stopping at the checksum."""
    data, steps = seed.data, []
    for _ in range(rng.choice((1, 1, 2, 3))):
        if not data:
            break
        data, step = rng.choice(MUTATORS)(rng, data, seed, others)
        steps.append(step)
    if data.startswith(PNG_SIGNATURE) and rng.random() < 0.5:
        data = fix_png_crcs(data)
        steps.append("crc")
    return data, f"{seed.name}: {'; '.join(steps)}"


def mutate_zip_member(rng: random.Random, seed: Seed, members: Sequence[str]) -> tuple[bytes, str]:
    """An office file with one of its XML parts mutated and the container rewritten intact."""
    name = rng.choice(members)
    with zipfile.ZipFile(io.BytesIO(seed.data)) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    part = Seed(name, parts[name])
    parts[name], step = rng.choice(MUTATORS[:-1])(rng, part.data, part, ())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for filename, body in parts.items():
            target.writestr(filename, body)
    return out.getvalue(), f"{seed.name}: {name} {step}"


def fix_png_crcs(data: bytes) -> bytes:
    """Recompute every complete chunk's CRC; a chunk whose length runs past the end is left alone."""
    out, spot = bytearray(data), len(PNG_SIGNATURE)
    while spot + 12 <= len(out):
        (length,) = struct.unpack_from(">I", out, spot)
        end = spot + 8 + length
        if end + 4 > len(out):
            break
        struct.pack_into(">I", out, end, zlib.crc32(out[spot + 4:end]))
        spot = end + 4
    return bytes(out)
