"""The `image_` value of image/watermark (image §4.3): Base64 of `key` or `key?x-oss-process=image/<actions>`.

Parsed with the request so a bad pre-processing is a 400 before anything is fetched; the engine
(`proxy.process.image.watermark_image`) loads the object and runs the steps. The pre-processing may use
resize, crop, rotate and indexcrop; `resize,P_n` sizes the mark relative to the main image and stands
alone in its resize. The string is percent-decoded once, like a request's own process string [I].
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from proxy.errors import invalid_argument
from proxy.grammar.catalogue import Catalogue
from proxy.grammar.chain import Action, parse_process
from proxy.grammar.params import decode_b64, encode_b64, int_param

EC_NESTED_WATERMARK = "0040-00000373"
EC_NESTED_INFO = "0040-00000374"
PREPROCESSING = ("resize", "crop", "rotate", "indexcrop")
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


def parse_mark(value: str, steps: Catalogue) -> MarkSource:
    """The `image_` parser (`steps` holds the pre-processing actions): ValueError when not Base64 of a key
    (EC 265), OssError for bad steps."""
    text = decode_b64(value)
    key, found, process = text.partition(_PROCESS)
    if not key:
        raise ValueError(value)
    return MarkSource(key, _preprocessing(unquote(process), steps) if found else (), text)


def _preprocessing(process: str, catalogue: Catalogue) -> tuple[Action | Percent, ...]:
    category, _, rest = process.partition("/")
    if category != "image":
        raise invalid_argument(f"watermark: the pre-processing {process!r} must start with image/.")
    segments = rest.split("/")
    names = [segment.partition(",")[0] for segment in segments]
    if "watermark" in names:
        raise invalid_argument("watermark: a watermark image cannot itself be watermarked.", EC_NESTED_WATERMARK)
    if "info" in names:
        raise invalid_argument("watermark: info cannot pre-process a watermark image.", EC_NESTED_INFO)
    return tuple(_step(segment, catalogue) for segment in segments)


def _step(segment: str, catalogue: Catalogue) -> Action | Percent:
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
    return parse_process(f"image/{segment}", catalogue).steps[0].actions[0]
