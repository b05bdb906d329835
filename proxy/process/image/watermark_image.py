"""The image mark of `watermark` (image §4.3): another object of the same bucket, optionally pre-processed.

`image_` holds Base64 of `key` or `key?x-oss-process=image/<actions>`; the pre-processing may use
resize, crop, rotate and indexcrop, and `resize,P_n` sizes the mark relative to the main image.
The server fetches the object (processing does no I/O) and hands it over in `ImageState.resources`.

Decisions on the points OSS leaves open:
- `P_n` fits the mark, aspect ratio kept, inside n % of the main image's width and n % of its
  height, so the tighter axis drives it (a square mark on a square image matches the legacy
  example) [U]; it enlarges as well as shrinks, and stands alone in its resize;
- the pre-processing string is percent-decoded once, like a request's own process string [I];
- a missing watermark object answers 400 InvalidArgument with EC 0040-00000025: the request names
  an object that the main image's URL does not, so 404 would wrongly say the main image is gone [U];
- an animated mark (WebP) contributes its first frame [U].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from PIL import Image

from proxy.errors import OssError, invalid_argument
from proxy.limits import Limits
from proxy.process.grammar import Action, parse_process
from proxy.process.image import resize
from proxy.process.image.codec import EC_UNSUPPORTED, decode
from proxy.process.image.state import ImageState, Size
from proxy.process.params import decode_b64, encode_b64, int_param
from proxy.process.registry import REGISTRY

EC_MISSING = "0040-00000025"
EC_FORMAT = "0040-00000027"
EC_NESTED_WATERMARK = "0040-00000373"
EC_NESTED_INFO = "0040-00000374"
PREPROCESSING = ("resize", "crop", "rotate", "indexcrop")
MARK_FORMATS = frozenset({"jpg", "png", "bmp", "webp", "tiff"})
_PROCESS = "?x-oss-process="
_PERCENT = int_param("P", 1, 100)


@dataclass(frozen=True)
class Percent:
    """`resize,P_n` in a mark's pre-processing: the mark fits in n % of the main image."""

    value: int


@dataclass(frozen=True)
class MarkSource:
    """A parsed `image_` value; it renders back as URL-safe Base64 in the canonical chain."""

    key: str
    steps: tuple[Action | Percent, ...]
    text: str

    def __str__(self) -> str:
        return encode_b64(self.text)


def parse_mark(value: str) -> MarkSource:
    """The `image_` parser: ValueError when not Base64 of a key (EC 265), OssError for bad steps."""
    text = decode_b64(value)
    key, found, process = text.partition(_PROCESS)
    if not key:
        raise ValueError(value)
    return MarkSource(key, _preprocessing(unquote(process)) if found else (), text)


def load_mark(source: MarkSource, resources: Mapping[str, bytes], main: Size, limits: Limits) -> Image.Image:
    """The mark as RGBA: the fetched object decoded and pre-processed against the `main` size."""
    data = resources.get(source.key)
    if data is None:
        raise OssError(
            400, "InvalidArgument", f"The watermark object {source.key!r} does not exist in this bucket.",
            EC_MISSING, {"ArgumentName": "image", "ArgumentValue": source.key},
        )
    state = _decode(source.key, data, limits)
    for step in source.steps:
        state = _apply(state, step, main, limits)
    return state.frames[0].convert("RGBA")


def _preprocessing(process: str) -> tuple[Action | Percent, ...]:
    category, _, rest = process.partition("/")
    if category != "image":
        raise invalid_argument(f"watermark: the pre-processing {process!r} must start with image/.")
    segments = rest.split("/")
    names = [segment.partition(",")[0] for segment in segments]
    if "watermark" in names:
        raise invalid_argument("watermark: a watermark image cannot itself be watermarked.", EC_NESTED_WATERMARK)
    if "info" in names:
        raise invalid_argument("watermark: info cannot pre-process a watermark image.", EC_NESTED_INFO)
    return tuple(_step(segment) for segment in segments)


def _step(segment: str) -> Action | Percent:
    name, *args = [part for part in segment.split(",") if part] or [""]
    if name not in PREPROCESSING:
        raise invalid_argument(
            f"watermark: {name!r} cannot pre-process a watermark image; use " + ", ".join(PREPROCESSING) + ".",
        )
    percent = [arg for arg in args if arg.startswith("P_")]
    if name == "resize" and percent:
        if len(args) > 1:
            raise invalid_argument("watermark: resize,P_ takes no other resize parameter.")
        return Percent(_PERCENT.convert("resize", percent[0][2:]))
    return parse_process(f"image/{segment}").steps[0].actions[0]


def _decode(key: str, data: bytes, limits: Limits) -> ImageState:
    try:
        state = decode(data, limits)
    except OssError as err:
        if err.ec == EC_UNSUPPORTED:
            raise _unsupported(key) from None
        raise
    if state.source_format not in MARK_FORMATS:
        raise _unsupported(key)
    return state


def _unsupported(key: str) -> OssError:
    return OssError(
        400, "InvalidArgument", f"The watermark object {key!r} is not a jpg, png, bmp, webp or tiff image.",
        EC_FORMAT,
    )


def _apply(state: ImageState, step: Action | Percent, main: Size, limits: Limits) -> ImageState:
    if isinstance(step, Percent):
        box = {"w": _percent_of(main[0], step.value), "h": _percent_of(main[1], step.value), "limit": 0}
        return resize.apply(state, resize.SPEC.resolve(box), limits)
    spec = REGISTRY.get("image", step.name)
    assert spec is not None, f"parse_process lets only registered actions through, not {step.name}"
    return spec.apply(state, spec.resolve(step.args), limits)


def _percent_of(side: int, percent: int) -> int:
    return max(1, (2 * side * percent + 100) // 200)
