"""Image comparisons for tests where exact pixels are too strict: PSNR and a perceptual-hash distance."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

IDENTICAL_DB = 99.0  # what `psnr` answers for identical pixels (the ratio is infinite)


def rgb(image: bytes | Image.Image | np.ndarray) -> np.ndarray:
    """An encoded image, a Pillow image or an array, as float RGB pixels."""
    if isinstance(image, np.ndarray):
        return image.astype(np.float64)
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    return np.asarray(image.convert("RGB"), dtype=np.float64)


def psnr(a: bytes | Image.Image | np.ndarray, b: bytes | Image.Image | np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of two images of one size (higher is closer; 40+ is invisible)."""
    x, y = rgb(a), rgb(b)
    assert x.shape == y.shape, (x.shape, y.shape)
    mse = float(((x - y) ** 2).mean())
    return IDENTICAL_DB if mse == 0 else float(10 * np.log10(255**2 / mse))


def dhash(image: bytes | Image.Image, side: int = 8) -> int:
    """A difference hash: whether each cell of a (side+1) x side grey thumbnail is brighter than its right one."""
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    cells = np.asarray(image.convert("L").resize((side + 1, side), Image.Resampling.BOX), dtype=np.int16)
    bits = (cells[:, 1:] > cells[:, :-1]).flatten()
    return int("".join("1" if bit else "0" for bit in bits), 2)


def perceptual_distance(a: bytes | Image.Image, b: bytes | Image.Image) -> int:
    """Bits in which the two images' difference hashes differ: 0 for the same picture at any size or
    encoding, small for a slight change, about half the bits (32 of 64) for unrelated pictures."""
    return (dhash(a) ^ dhash(b)).bit_count()
