"""Generated sample images for the demo, the benchmarks and the tests: nothing to download."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def photo_jpeg(width: int = 1600, height: int = 1067, quality: int = 90) -> bytes:
    """A photo-like JPEG: sky gradient, hills, a sun and fine texture, so codecs have real work."""
    sky = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.merge("RGB", (
        sky.getchannel(0).point(lambda v: 90 + v // 3),
        sky.getchannel(0).point(lambda v: 140 + v // 4),
        Image.new("L", (width, height), 235),
    ))
    draw = ImageDraw.Draw(image)
    draw.ellipse((width * 0.7, height * 0.1, width * 0.85, height * 0.1 + width * 0.15), fill=(250, 220, 90))
    for i, shade in enumerate((60, 85, 110)):
        top = int(height * (0.55 + 0.1 * i))
        points = [(x, top + int(40 * ((x * (i + 3)) % 97) / 97)) for x in range(0, width + 40, 40)]
        draw.polygon([(0, height), *points, (width, height)], fill=(40, shade + 40, 40))
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    image = Image.blend(image, noise, 0.08).filter(ImageFilter.SMOOTH)
    return _save(image, "JPEG", quality=quality)


def camera_jpeg(width: int = 4000, height: int = 3000, quality: int = 92, seed: int = 0) -> bytes:
    """A JPEG with what a camera's photo holds (a smooth scene, texture, sensor noise, thin detail), at
    a camera's byte size: 12 MP is about 3.5 MB, 1080p about 0.7 MB. Deterministic for a `seed`."""
    rng = np.random.default_rng(seed)

    def field(cells: tuple[int, int], channels: int) -> np.ndarray:
        """Random values on a coarse grid, smoothly interpolated to the image size, in [0, 1]."""
        grid = (rng.random((cells[1], cells[0], channels)) * 255).astype(np.uint8)
        coarse = Image.fromarray(grid[:, :, 0] if channels == 1 else grid)
        smooth = coarse.resize((width, height), Image.Resampling.BICUBIC)
        return np.asarray(smooth, dtype=np.float32).reshape(height, width, channels) / 255

    sky = np.linspace(1, 0, height, dtype=np.float32)[:, None, None] * np.array([0.3, 0.2, 0.5], np.float32)
    scene = 255 * (0.55 * field((6, 4), 3) + 0.45 * (np.array([0.5, 0.6, 0.4], np.float32) + sky))
    texture = sum(weight * field((max(2, width // cell), max(2, height // cell)), 1)
                  for cell, weight in ((64, 0.5), (16, 0.3), (4, 0.2)))
    pixels = scene + 90 * (texture - 0.5) * field((5, 4), 1)
    pixels += rng.normal(0, 4, (height, width, 1)).astype(np.float32)  # luma noise
    pixels += rng.normal(0, 2, (height, width, 3)).astype(np.float32)  # chroma noise
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(60):  # branches and wires
        line = (rng.integers(0, width), rng.integers(0, height), rng.integers(0, width), rng.integers(0, height))
        draw.line(tuple(int(v) for v in line), fill=tuple(int(v) for v in rng.integers(0, 256, 3)),
                  width=int(rng.integers(1, 4)))
    return _save(image, "JPEG", quality=quality)


def alpha_png(size: int = 512) -> bytes:
    """A PNG with real transparency: a coloured disc and a ring on a clear background."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((size // 8, size // 8, size * 7 // 8, size * 7 // 8), fill=(220, 60, 40, 255))
    draw.ellipse((size // 3, size // 3, size * 2 // 3, size * 2 // 3), fill=(40, 90, 220, 160))
    return _save(image, "PNG")


def animated_gif(size: int = 200, frames: int = 12, duration_ms: int = 80) -> bytes:
    """An animated GIF of a dot circling, with a fixed per-frame duration."""
    images = []
    for i in range(frames):
        frame = Image.new("P", (size, size), 0)
        frame.putpalette([255, 255, 255, 30, 120, 200, 230, 80, 40] + [0] * (256 * 3 - 9))
        draw = ImageDraw.Draw(frame)
        x = size // 2 + int(size * 0.3 * ((i / frames) * 2 - 1))
        draw.ellipse((x - 20, size // 2 - 20, x + 20, size // 2 + 20), fill=1 + i % 2)
        images.append(frame)
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    return out.getvalue()


def _save(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()
