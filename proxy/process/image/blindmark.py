"""The blind watermark's signal: text hidden in an image's luma, read back after JPEG and resizing.

How it survives a re-encode at quality >= 70 and a resize to 50 %:
- Scale: the luma is resampled to a *working grid* whose short side is one of `GRIDS` (the largest
  at most 40 % of the image's short side) and whose long side keeps the aspect ratio. The mark is
  written in that grid; the grid-sized change is scaled up and added to the full image. A reader
  resamples whatever it gets to each candidate grid, so any uniform resize lands on the same grid,
  and since the grid is smaller than a half-size copy, that copy still holds every detail of it.
- Robustness: each 8x8 block of the grid carries four bits, one per pair of equal-frequency DCT
  coefficients ((0,2)/(2,0), (1,2)/(2,1), (0,3)/(3,0), (1,3)/(3,1)), as the sign of their difference:
  low enough in frequency that JPEG keeps them, symmetric so a resize scales both alike.
- Errors: every bit is repeated over many pair slots, scattered by a keyed permutation and whitened
  by a keyed ±1 sequence; a reader adds the whitened differences of a bit's slots and takes the sign.
  The writer measures that sum on the image itself and moves all of a bit's slots by the same small
  amount until it clears a margin, so bits the image already agrees with cost nothing. The margin
  is `strength * NOISE / sqrt(repeats)` (at least `FLOOR`): the per-slot noise that JPEG q70 plus halving
  adds, averaged down by the repeats. A few passes absorb what rescaling and clipping lose.
- Framing: 1/8 of the slots repeat a 16-bit byte count; the rest repeat the UTF-8 text and its CRC-32,
  which tells a real mark from noise (an unmarked image, or a different key, reads as nothing).
`survives` replays the promised attack (halve, JPEG q70) on the result, so a caller can refuse
images too flat or too saturated to carry the text rather than hand back a mark that will not read.
The key (positions and whitening) is fixed, so any Osprey reads any Osprey mark; its pseudo-random
streams come from SHAKE-256, stable across library versions. Crops and rotations are not survived.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import zlib
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

GRIDS = (128, 192, 256, 384, 512, 768, 1024)
BLOCK = 8
SOURCE_PER_GRID = 2.5  # the grid's short side is at most 40 % of the source's
PAIRS = (((0, 2), (2, 0)), ((1, 2), (2, 1)), ((0, 3), (3, 0)), ((1, 3), (3, 1)))
HEADER_BITS = 16
CRC_BYTES = 4
MAX_BYTES = 1024  # 256 characters of up to 4 UTF-8 bytes
MIN_REPEATS = 4
NOISE = 5.0  # per-slot noise of JPEG q70 plus halving, in grid luma levels (measured on photos)
FLOOR = 3.0  # below this a mark drowns in 8-bit rounding
STRENGTHS = {"low": 8.0, "medium": 11.0, "high": 15.0}
PASSES = 4
ASPECT_SLACK = 1.0  # blocks: how far a resize to whole pixels may move the long side's count
KEY = b"osprey/blindwatermark/1"


class TooLong(ValueError):
    """The text needs more room than the image has; `capacity` is the most bytes it takes."""

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self.capacity = capacity


@dataclass(frozen=True)
class Layout:
    """Where each bit of a mark goes in a grid of `shape` (rows, columns) under one key."""

    shape: tuple[int, int]
    order: np.ndarray  # logical slot i lives at natural slot order[i]
    signs: np.ndarray  # whitening, ±1 per logical slot

    @property
    def slots(self) -> int:
        return self.order.size

    @property
    def header_repeats(self) -> int:
        return self.slots // 8 // HEADER_BITS

    def repeats(self, size: int) -> int:
        """How often each bit of a `size`-byte text fits."""
        return (self.slots - self.header_repeats * HEADER_BITS) // (8 * (size + CRC_BYTES))

    def bit_of_slot(self, size: int) -> np.ndarray:
        """Per logical slot, the index of the bit it carries (header first, then data), -1 if none."""
        data_bits = 8 * (size + CRC_BYTES)
        header = np.tile(np.arange(HEADER_BITS), self.header_repeats)
        data = HEADER_BITS + np.tile(np.arange(data_bits), self.repeats(size))
        return np.concatenate([header, data, np.full(self.slots - header.size - data.size, -1)])


def capacity(size: tuple[int, int], key: bytes = KEY) -> int:
    """The most UTF-8 bytes a `size` (width, height) image holds."""
    layout = _layout(grid_shape(size), key)
    usable = layout.slots - layout.header_repeats * HEADER_BITS
    return min(MAX_BYTES, usable // (8 * MIN_REPEATS) - CRC_BYTES)


def embed(pixels: np.ndarray, text: str, strength: float, key: bytes = KEY) -> np.ndarray:
    """`pixels` (HxW grey or HxWx3 RGB, uint8) with `text` hidden; raises TooLong when it does not fit."""
    data = text.encode("utf-8")
    height, width = pixels.shape[:2]
    layout = _layout(grid_shape((width, height)), key)
    if len(data) > MAX_BYTES or layout.repeats(len(data)) < MIN_REPEATS:
        raise TooLong(capacity((width, height), key))
    bits = _bits(len(data).to_bytes(2, "big") + data + zlib.crc32(data).to_bytes(CRC_BYTES, "big"))
    carrier = layout.bit_of_slot(len(data))
    used = carrier >= 0
    counts = np.bincount(carrier[used], minlength=bits.size)
    margin = np.maximum(FLOOR, strength * NOISE / np.sqrt(counts))

    luma = _luma(pixels)
    # The same change on R, G and B moves luma by exactly that much; these bounds keep all three in range.
    channels = [pixels[..., index] for index in range(pixels.shape[2])] if pixels.ndim == 3 else [pixels]
    low = -functools.reduce(np.minimum, channels).astype(np.float32)
    high = 255 - functools.reduce(np.maximum, channels).astype(np.float32)
    change = np.zeros_like(luma)
    for _ in range(PASSES):
        slots = _slot_values(luma + change, layout)
        sums = np.bincount(carrier[used], weights=slots[used], minlength=bits.size)
        shortfall = np.clip(margin * counts - bits * sums, 0, None) / counts
        moves = np.zeros(layout.slots, dtype=np.float32)
        moves[layout.order[used]] = (bits * shortfall)[carrier[used]] * layout.signs[used]
        change = np.clip(change + _spatial(moves, layout.shape, (width, height)), low, high)
    steps = np.rint(change).astype(np.int16)
    marked = pixels.astype(np.int16) + (steps[..., None] if pixels.ndim == 3 else steps)
    return np.clip(marked, 0, 255).astype(np.uint8)


def extract(pixels: np.ndarray, key: bytes = KEY) -> str | None:
    """The text hidden in `pixels` (grey or RGB uint8), or None when no mark under `key` is found."""
    luma = _luma(pixels)
    height, width = luma.shape
    for shape in _candidate_shapes((width, height)):
        layout = _layout(shape, key)
        slots = _slot_values(luma, layout)
        header = slots[: layout.header_repeats * HEADER_BITS].reshape(-1, HEADER_BITS).sum(axis=0)
        size = int.from_bytes(np.packbits(header > 0).tobytes(), "big")
        if size > MAX_BYTES or layout.repeats(size) < MIN_REPEATS:
            continue
        carrier = layout.bit_of_slot(size)
        data_slots = carrier >= HEADER_BITS
        sums = np.bincount(carrier[data_slots] - HEADER_BITS, weights=slots[data_slots])
        raw = np.packbits(sums > 0).tobytes()
        data, crc = raw[:-CRC_BYTES], raw[-CRC_BYTES:]
        if zlib.crc32(data).to_bytes(CRC_BYTES, "big") == crc:
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                continue
    return None


def survives(marked: np.ndarray, text: str, key: bytes = KEY) -> bool:
    """Whether `marked` still reads `text` once halved (bilinear) and re-encoded as JPEG at quality 70."""
    image = Image.fromarray(marked)
    half = image.resize((image.width // 2, image.height // 2), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    half.save(buffer, "JPEG", quality=70)
    return extract(np.asarray(Image.open(buffer)), key) == text


def grid_shape(size: tuple[int, int]) -> tuple[int, int]:
    """(rows, columns) of the working grid for a (width, height) source."""
    width, height = size
    short = min(width, height)
    side = max([grid for grid in GRIDS if grid <= short / SOURCE_PER_GRID], default=GRIDS[0])
    return _oriented(side, round(side / BLOCK * max(width, height) / short), width >= height)


def _candidate_shapes(size: tuple[int, int]) -> list[tuple[int, int]]:
    """Every grid a mark in an image now `size` could use: any grid up to 1.5 times its short side (the source
    may have been nearly four times larger), the long side rounded both ways."""
    width, height = size
    short, long = min(width, height), max(width, height)
    shapes = []
    for side in sorted((grid for grid in GRIDS if grid <= 1.5 * short), reverse=True):
        blocks = side / BLOCK * long / short
        # Both ways: a resize to whole pixels shifts the aspect ratio a little.
        counts = range(math.ceil(blocks - ASPECT_SLACK), math.floor(blocks + ASPECT_SLACK) + 1)
        shapes += [_oriented(side, count, width >= height) for count in sorted(counts, key=lambda n: abs(n - blocks))]
    return shapes


def _oriented(side: int, long_blocks: int, landscape: bool) -> tuple[int, int]:
    long = max(side, long_blocks * BLOCK)
    return (side, long) if landscape else (long, side)


def _layout(shape: tuple[int, int], key: bytes) -> Layout:
    slots = (shape[0] // BLOCK) * (shape[1] // BLOCK) * len(PAIRS)
    stream = hashlib.shake_256(key + b"%d,%d" % shape).digest(9 * slots)
    ranks = np.frombuffer(stream[: 8 * slots], dtype=">u8")
    signs = (np.frombuffer(stream[8 * slots :], dtype=np.uint8) & 1).astype(np.float32) * 2 - 1
    return Layout(shape, np.argsort(ranks, kind="stable"), signs)


def _luma(pixels: np.ndarray) -> np.ndarray:
    """JPEG's luma (BT.601) of grey or RGB uint8 pixels, as float32."""
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY) if pixels.ndim == 3 else pixels
    return grey.astype(np.float32)


def _slot_values(luma: np.ndarray, layout: Layout) -> np.ndarray:
    """The whitened coefficient differences of every slot, in logical order."""
    rows, columns = layout.shape
    grid = _resample(luma, (columns, rows))
    coefficients = _dct(grid)
    differences = np.stack(
        [coefficients[:, :, a[0], a[1]] - coefficients[:, :, b[0], b[1]] for a, b in PAIRS], axis=-1
    ).reshape(-1)
    return differences[layout.order] * layout.signs


def _spatial(moves: np.ndarray, shape: tuple[int, int], size: tuple[int, int]) -> np.ndarray:
    """The image-sized luma change that moves each slot's difference by `moves` (natural order)."""
    rows, columns = shape
    half = moves.reshape(rows // BLOCK, columns // BLOCK, len(PAIRS)) / 2
    coefficients = np.zeros((rows // BLOCK, columns // BLOCK, BLOCK, BLOCK), dtype=np.float32)
    for index, (a, b) in enumerate(PAIRS):
        coefficients[:, :, a[0], a[1]] += half[:, :, index]
        coefficients[:, :, b[0], b[1]] -= half[:, :, index]
    return _resample(_idct(coefficients), size)


def _resample(plane: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`plane` at `size` (width, height): area averaging to shrink, bilinear to enlarge."""
    shrinking = size[0] <= plane.shape[1] and size[1] <= plane.shape[0]
    return cv2.resize(plane, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def _dct_matrix() -> np.ndarray:
    index = np.arange(BLOCK)
    matrix = np.cos(np.pi * (2 * index[None, :] + 1) * index[:, None] / (2 * BLOCK)) * np.sqrt(2 / BLOCK)
    matrix[0] /= np.sqrt(2)
    return matrix.astype(np.float32)


_DCT = _dct_matrix()


def _dct(grid: np.ndarray) -> np.ndarray:
    """Orthonormal 8x8 DCT-II of every block: shape (block rows, block columns, 8, 8)."""
    rows, columns = grid.shape
    blocks = grid.reshape(rows // BLOCK, BLOCK, columns // BLOCK, BLOCK).transpose(0, 2, 1, 3)
    return _DCT @ blocks @ _DCT.T


def _idct(coefficients: np.ndarray) -> np.ndarray:
    blocks = _DCT.T @ coefficients @ _DCT
    count_rows, count_columns = blocks.shape[:2]
    return blocks.transpose(0, 2, 1, 3).reshape(count_rows * BLOCK, count_columns * BLOCK)


def _bits(data: bytes) -> np.ndarray:
    """The bits of `data`, most significant first, as ±1."""
    return np.unpackbits(np.frombuffer(data, dtype=np.uint8)).astype(np.float32) * 2 - 1
