"""The JPEG quality estimate (a table lookup) answers exactly what a plain search over every quality does."""

import io
import random

import pytest
from PIL import Image, JpegPresets

from proxy.process.image.codec import estimate_jpeg_quality

LUMA = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)
CHROMA = (
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    *(99,) * 32,
)


def reference_quality(tables) -> int | None:
    """The straightforward search: the quality 100..1 whose libjpeg tables are nearest (L1), ties high."""
    if not tables:
        return None
    pairs = [(tables[0], LUMA)] + ([(tables[1], CHROMA)] if 1 in tables else [])

    def scaled(base, quality):
        scale = 5000 // quality if quality < 50 else 200 - 2 * quality
        return [min(max((value * scale + 50) // 100, 1), 255) for value in base]

    def distance(quality):
        return sum(abs(a - e) for table, base in pairs for a, e in zip(table, scaled(base, quality), strict=True))

    return min(range(100, 0, -1), key=distance)


def tables_of(image: Image.Image, **options) -> dict[int, list[int]]:
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    return Image.open(out).quantization


COLOUR, GREY = Image.new("RGB", (16, 16), (90, 140, 200)), Image.new("L", (16, 16), 120)
RANDOM = random.Random(17)


def custom_tables() -> list[dict[int, list[int]]]:
    """Other encoders' tables: Pillow's presets, random ones, and libjpeg's nudged into near-ties."""
    presets = [tables_of(COLOUR, quality=name) for name in JpegPresets.presets]
    randoms = [tables_of(COLOUR, qtables=[[RANDOM.randint(1, 255) for _ in range(64)] for _ in range(2)])
               for _ in range(40)]
    nudged = []
    for quality in range(1, 101, 3):
        tables = tables_of(COLOUR, quality=quality)
        nudged.append({key: [max(1, min(255, v + RANDOM.choice((-1, 0, 1)))) for v in table]
                       for key, table in tables.items()})
    mixed = [{0: tables_of(COLOUR, quality=q)[0], 1: tables_of(COLOUR, quality=101 - q)[1]} for q in range(1, 101, 7)]
    return presets + randoms + nudged + mixed


@pytest.mark.parametrize("image", [COLOUR, GREY], ids=["luma and chroma", "luma only"])
def test_the_estimate_equals_the_search_for_every_libjpeg_quality(image):
    for quality in range(1, 101):
        tables = tables_of(image, quality=quality)
        assert estimate_jpeg_quality(tables) == reference_quality(tables) == quality


def test_the_estimate_equals_the_search_for_custom_tables():
    corpus = custom_tables()
    assert len(corpus) > 80
    for tables in corpus:
        assert estimate_jpeg_quality(tables) == reference_quality(tables)
    # a grey file's single table, taken from each: the luma-only path
    for tables in corpus:
        assert estimate_jpeg_quality({0: tables[0]}) == reference_quality({0: tables[0]})


def test_no_tables_have_no_quality_and_a_short_table_is_refused():
    assert estimate_jpeg_quality({}) is None
    with pytest.raises(ValueError):
        estimate_jpeg_quality({0: [1] * 63})
