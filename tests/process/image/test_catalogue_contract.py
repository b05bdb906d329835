"""What every image action of the catalogue shares, checked over the catalogue rather than per action.

A new action joins these tests by its catalogue line (its `example` arguments): each parameter refuses an
out-of-range value with the EC its spec declares, a missing required one answers MissingArgument, an RGBA
source keeps its alpha, and an animated GIF keeps its frames, unless a table says why not.
"""

import io
import re

import numpy as np
import pytest
from PIL import Image

from proxy.errors import OssError
from proxy.grammar.chain import parse_process
from proxy.grammar.image import IMAGE
from proxy.grammar.oss import OSS
from proxy.grammar.params import Param

from .conftest import encoded, run_process

# Actions that answer JSON about the image instead of an image.
ANSWERS_JSON = {"info", "average-hue", "codes", "faces", "blindwatermark-decode"}
# Actions that keep only the first frame of an animation, and why (each is a documented decision).
FIRST_FRAME_ONLY = {
    "blindwatermark": "the mark is computed on one frame (image §4.16: an animation keeps its marked first frame)",
    "rotate": "OSS answers a static GIF (image §4.7: an animation becomes its first frame)",
}
# Actions that refuse a GIF source outright, and why.
REFUSES_GIF = {"rounded-corners": "OSS does not support GIF (image §4.10): a 400 NotImplemented, not a silent no-op"}
# Arguments that differ on the GIF source: `format,png` would (rightly) drop the animation.
ON_GIF = {"format": "gif"}
# Sizes an action needs from its source (blindwatermark refuses images under 200 px a side).
SIDE = {"blindwatermark": 320}
SPECS = [pytest.param(spec, id=spec.name) for spec in IMAGE]
_RANGE = re.compile(r"an integer in \[(-?\d+), (-?\d+)\]")
_CHOICES = re.compile(r"one of (.+)")


def test_every_image_action_that_takes_arguments_has_an_example():
    assert [spec.name for spec in IMAGE if spec.params and not spec.example] == []


def _bad_values(param: Param) -> list[str]:
    """Values the parameter's own description rules out: just past each bound, a name not among the choices."""
    if match := _RANGE.fullmatch(param.describe):
        lo, hi = int(match[1]), int(match[2])
        return [str(hi + 1), str(lo - 1)]
    if _CHOICES.fullmatch(param.describe):
        return ["nosuchvalue"]
    return ["!!!"]  # hex colours, Base64 values and page ranges all refuse it


def _process(name: str, key: str, value: str) -> str:
    return f"image/{name},{value}" if key == "" else f"image/{name},{key}_{value}"


BAD = [
    pytest.param(spec, param, value, id=f"{spec.name},{param.key or 'value'}_{value}")
    for spec in IMAGE for param in spec.params for value in _bad_values(param)
]


@pytest.mark.parametrize(("spec", "param", "value"), BAD)
def test_each_out_of_range_value_is_refused_with_the_declared_code(spec, param, value):
    with pytest.raises(OssError) as info:
        parse_process(_process(spec.name, param.key, value), OSS)
    err = info.value
    assert (err.status, err.code, err.ec) == (400, param.code, param.ec)
    assert err.extra == {"ArgumentName": param.key or spec.name, "ArgumentValue": value}


REQUIRED = [
    pytest.param(spec, param, id=f"{spec.name},{param.key or 'value'}")
    for spec in IMAGE for param in spec.params if param.required
]


@pytest.mark.parametrize(("spec", "param"), REQUIRED)
def test_a_missing_required_value_is_a_missing_argument_with_its_code(spec, param):
    with pytest.raises(OssError) as info:
        parse_process(f"image/{spec.name}", OSS)
    assert (info.value.status, info.value.code, info.value.ec) == (400, "MissingArgument", param.ec)


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.name) for s in IMAGE if s.one_of])
def test_an_action_given_none_of_its_alternatives_is_a_missing_argument(spec):
    unrelated = next((p for p in spec.params if p.key not in spec.one_of and p.default is not None), None)
    text = f"image/{spec.name}" + (f",{unrelated.key}_{unrelated.default}" if unrelated else "")
    with pytest.raises(OssError) as info:
        parse_process(text, OSS)
    assert (info.value.status, info.value.code, info.value.ec) == (400, "MissingArgument", spec.one_of_ec)


def _textured(side: int, mode: str) -> Image.Image:
    """A noisy image (blindwatermark refuses flat ones) whose left half is half transparent."""
    rng = np.random.default_rng(7)
    pixels = rng.integers(40, 216, (side, side, 3), dtype=np.uint8)
    image = Image.fromarray(pixels).convert(mode)
    if mode == "RGBA":
        alpha = np.full((side, side), 255, dtype=np.uint8)
        alpha[:, : side // 2] = 128
        image.putalpha(Image.fromarray(alpha))
    return image


def _run(spec, data: bytes, overrides=None):
    args = (overrides or {}).get(spec.name, spec.example)
    return run_process(f"image/{spec.name}" + (f",{args}" if args else ""), data)


IMAGES = [pytest.param(spec, id=spec.name) for spec in IMAGE if spec.name not in ANSWERS_JSON]


@pytest.mark.parametrize("spec", IMAGES)
def test_an_rgba_source_keeps_its_alpha(spec):
    output = _run(spec, encoded(_textured(SIDE.get(spec.name, 48), "RGBA"), "png"))
    assert output.media_type == "image/png"
    result = Image.open(io.BytesIO(output.body))
    assert "A" in result.getbands()
    assert 128 in {value for _, value in result.getchannel("A").getcolors(maxcolors=65536)}


@pytest.mark.parametrize("spec", IMAGES)
def test_an_animated_gif_keeps_its_frames_unless_the_action_says_why_not(spec):
    side = SIDE.get(spec.name, 48)
    frames = [_textured(side, "RGB").rotate(90 * i) for i in range(3)]
    data = encoded(frames[0], "gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    if spec.name in REFUSES_GIF:
        with pytest.raises(OssError) as info:
            _run(spec, data, ON_GIF)
        assert (info.value.status, info.value.code) == (400, "NotImplemented")
        return
    result = Image.open(io.BytesIO(_run(spec, data, ON_GIF).body))
    assert result.format == "GIF"
    assert result.n_frames == (1 if spec.name in FIRST_FRAME_ONLY else 3)


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.name) for s in IMAGE if s.name in ANSWERS_JSON])
def test_an_action_that_answers_json_does_so_for_an_rgba_source(spec):
    output = _run(spec, encoded(_textured(48, "RGBA"), "png"))
    assert output.media_type.startswith("application/json")
