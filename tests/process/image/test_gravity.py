"""The shared 3x3 gravity grid (the image §4.2 anchor table), without pixels."""

import pytest

from proxy.grammar.image import GRAVITIES
from proxy.process.image.gravity import anchor


@pytest.mark.parametrize(("gravity", "expected"), [
    ("nw", (0, 0)), ("north", (150, 0)), ("ne", (300, 0)),
    ("west", (0, 83)), ("center", (150, 83)), ("east", (300, 83)),
    ("sw", (0, 167)), ("south", (150, 167)), ("se", (300, 167)),
])
def test_gravity_anchor_follows_the_spec_table(gravity, expected):
    assert anchor(gravity, (400, 267), (100, 100)) == expected


def test_gravity_middle_rounds_down_like_the_table_in_integers():
    assert anchor("center", (401, 100), (100, 51)) == (150, 24)


def test_gravity_names_are_the_nine_oss_values():
    assert GRAVITIES == ("nw", "north", "ne", "west", "center", "east", "sw", "south", "se")
