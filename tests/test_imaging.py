"""The test helpers that compare images tell the same picture from a different one."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from tests.imaging import IDENTICAL_DB, perceptual_distance, psnr


def _scene(flip: bool = False) -> Image.Image:
    image = Image.new("RGB", (400, 300), (30, 60, 90))
    draw = ImageDraw.Draw(image)
    for n in range(8):
        x = 40 * n + 10
        draw.rectangle((x, 40 + 20 * n, x + 30, 260), fill=(200, 30 * n, 40))
    return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if flip else image


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, subsampling=0)  # full chroma: the red edges stay sharp
    return out.getvalue()


def test_psnr_is_high_for_a_faithful_copy_and_low_for_another_picture():
    scene = _scene()
    assert psnr(scene, scene) == IDENTICAL_DB
    assert psnr(_jpeg(scene, 95), scene) > 40 > 20 > psnr(_scene(flip=True), scene)


def test_the_perceptual_distance_ignores_size_and_encoding_but_not_content():
    scene = _scene()
    assert perceptual_distance(_jpeg(scene.resize((100, 75)), 60), scene) <= 4
    assert perceptual_distance(_scene(flip=True), scene) >= 16
