"""image/blindwatermark-decode: reads marks back, finds nothing where there is none or the key differs."""

import io
import json

import numpy as np
import pytest
from PIL import Image

from proxy.grammar.oss import OSS
from proxy.grammar.params import encode_b64
from proxy.process.image import blindmark

from .conftest import EXAMPLE_JPG

TEXT = "order 1234 · bob@example.com"


@pytest.fixture(scope="module")
def pixels() -> np.ndarray:
    return np.asarray(Image.open(EXAMPLE_JPG).convert("RGB").resize((800, 534)))


def jpeg(pixels: np.ndarray, quality: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_decode_answers_the_hidden_text_as_json(run, encode):
    marked = run(f"image/blindwatermark,content_{encode_b64(TEXT)}", encode(Image.open(EXAMPLE_JPG), "png")).body
    output = run("image/blindwatermark-decode", marked)
    assert output.media_type == "application/json"
    assert output.body == ('{\n    "Content": ' + json.dumps(TEXT, ensure_ascii=False) + "}").encode()


def test_decode_of_an_unmarked_image_is_empty(run, example_jpg):
    assert run("image/blindwatermark-decode", example_jpg).body == b'{\n    "Content": ""}'


def test_decode_after_other_actions_reads_the_resized_copy(run, pixels):
    marked = jpeg(blindmark.embed(pixels, TEXT, blindmark.STRENGTHS["low"]), 90)
    assert json.loads(run("image/resize,p_50/blindwatermark-decode", marked).body)["Content"] == TEXT


def test_a_mark_under_another_key_reads_as_nothing(pixels):
    marked = blindmark.embed(pixels, TEXT, blindmark.STRENGTHS["low"], key=b"another deployment")
    copy = np.asarray(Image.open(io.BytesIO(jpeg(marked, 80))))
    assert blindmark.extract(copy) is None
    assert blindmark.extract(copy, key=b"another deployment") == TEXT


@pytest.mark.parametrize("size", [(400, 267), (267, 400), (401, 266)])
def test_decode_finds_the_grid_whatever_the_rounding_of_the_resize(pixels, size):
    source = np.rot90(pixels) if size[0] < size[1] else pixels  # a portrait source: long side vertical
    marked = Image.fromarray(blindmark.embed(np.ascontiguousarray(source), TEXT, blindmark.STRENGTHS["low"]))
    copy = np.asarray(Image.open(io.BytesIO(jpeg(np.asarray(marked.resize(size, Image.Resampling.BICUBIC)), 70))))
    assert blindmark.extract(copy) == TEXT


def test_marking_twice_with_different_texts_never_reads_a_mix(pixels):
    first = blindmark.embed(pixels, "first owner", blindmark.STRENGTHS["low"])
    twice = blindmark.embed(first, "second owner", blindmark.STRENGTHS["low"])
    assert blindmark.extract(twice) in ("second owner", None)


def test_decode_is_signed_only():
    assert OSS.get("image", "blindwatermark-decode").signed_only
