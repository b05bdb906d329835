"""image/quality (image §4.4): relative q_, absolute Q_, defaults, and which formats it touches."""

import io

import pytest
from PIL import Image

from proxy.process.image.codec import estimate_jpeg_quality
from proxy.process.image.quality import output_quality
from proxy.process.image.state import ImageState, Quality


def jpeg(encode, quality: int) -> bytes:
    return encode(Image.radial_gradient("L").convert("RGB"), "jpg", quality=quality)


def quality_of(output) -> int:
    return estimate_jpeg_quality(Image.open(io.BytesIO(output.body)).quantization)


@pytest.mark.parametrize(("source", "process", "expected"), [
    (100, "q_90", 90),  # image §4.4 examples
    (80, "q_90", 72),
    (95, "Q_90", 90),
    (80, "Q_90", 80),
    (95, "q_50,Q_90", 90),  # both: Q wins ([U, recommended], image §4.4)
])
def test_quality_follows_the_documented_examples(run, encode, source, process, expected):
    assert quality_of(run(f"image/quality,{process}", jpeg(encode, source))) == expected


def test_quality_default_keeps_the_source_quality(run, encode):
    assert quality_of(run("image/resize,w_100", jpeg(encode, 70))) == 70


def test_quality_default_for_a_lossless_source_is_85(run, encode):
    png = encode(Image.new("RGB", (32, 32)), "png")
    assert quality_of(run("image/format,jpg", png)) == 85
    assert quality_of(run("image/format,jpg/quality,Q_30", png)) == 30
    assert quality_of(run("image/format,jpg/quality,q_50", png)) == 50


def test_quality_does_not_touch_png(run, encode):
    png = encode(Image.radial_gradient("L"), "png")
    assert run("image/quality,Q_10", png).body == run("image/format,png", png).body


def state(target: str, source: int | None, quality: Quality | None) -> ImageState:
    return ImageState((), (1, 1), "jpg", target, source_quality=source, quality=quality)


def test_quality_relative_for_webp_behaves_like_absolute():
    assert output_quality(state("webp", 80, Quality(90, relative=True))) == 80
    assert output_quality(state("webp", None, Quality(90, relative=True))) == 90
    assert output_quality(state("jpg", 80, Quality(90, relative=True))) == 72


def test_quality_is_settled_for_the_final_format(run, encode):
    # quality before format: the request waits for encode, when the target is known.
    output = run("image/quality,Q_40/format,jpg", encode(Image.new("RGB", (32, 32)), "png"))
    assert quality_of(output) == 40


@pytest.mark.parametrize(("process", "code"), [
    ("image/quality", "MissingArgument"),
    ("image/quality,q_0", "InvalidArgument"),
    ("image/quality,Q_101", "InvalidArgument"),
    ("image/quality,q_abc", "InvalidArgument"),
])
def test_quality_rejects_bad_values(fails, process, code):
    error = fails(process)
    assert (error.status, error.code) == (400, code)
