"""The image/ catalogue (image §4, media §4): every action's parameters, ranges, error codes and cross-parameter checks.

One literal, `IMAGE`; each spec names the module under `proxy.process.image` that runs it. The ECs an
engine also raises at run time (a value valid alone but not for this image) live here with the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from proxy.errors import OssError, missing_argument
from proxy.grammar import fonts
from proxy.grammar.catalogue import ActionSpec, Catalogue
from proxy.grammar.params import Param, choice_param, decode_b64, encode_b64, hex_color, int_param, invalid
from proxy.grammar.watermark_mark import MarkSource, parse_mark

ENGINES = "proxy.process.image"
GRAVITIES = ("nw", "north", "ne", "west", "center", "east", "sw", "south", "se")
# Sizes and offsets are checked against the image, not at parse time: any 9-digit value parses.
NO_BOUND = 999_999_999


def _spec(name: str, params: tuple[Param, ...], module: str | None = None, **kwargs: Any) -> ActionSpec:
    return ActionSpec("image", name, params, f"{ENGINES}.{module or name}", **kwargs)


# --- resize (image §4.1)
RESIZE_MODES = ("lfit", "mfit", "fill", "pad", "fixed")
MAX_SIDE = 16_384
EC_RESIZE_MODE = "0040-00000311"
EC_RESIZE_W = "0040-00000312"
EC_RESIZE_H = "0040-00000313"
EC_RESIZE_L = "0040-00000314"
EC_RESIZE_S = "0040-00000315"
EC_RESIZE_P = "0040-00000317"
EC_RESIZE_LIMIT = "0040-00000319"
EC_RESIZE_BOTH_ZERO = "0040-00000321"
EC_RESIZE_NOTHING = "0040-00000322"


def _check_resize(values: dict[str, Any]) -> None:
    if values.get("w") == 0 and values.get("h") == 0:
        raise invalid("resize", "w_0,h_0 asks for an empty image.", EC_RESIZE_BOTH_ZERO)
    for key, ec in (("w", EC_RESIZE_W), ("h", EC_RESIZE_H)):
        if values.get(key) == 0:
            raise invalid("resize", f"{key}_ must be an integer in [1, {MAX_SIDE}].", ec)


RESIZE = _spec(
    "resize",
    (
        choice_param("m", RESIZE_MODES, EC_RESIZE_MODE, default="lfit"),
        # w and h parse 0 so that `w_0,h_0` can answer with its own EC (321) in `_check_resize`.
        int_param("w", 0, MAX_SIDE, EC_RESIZE_W),
        int_param("h", 0, MAX_SIDE, EC_RESIZE_H),
        int_param("l", 1, MAX_SIDE, EC_RESIZE_L),
        int_param("s", 1, MAX_SIDE, EC_RESIZE_S),
        int_param("p", 1, 1000, EC_RESIZE_P),
        int_param("limit", 0, 1, EC_RESIZE_LIMIT, default=1),
        Param("color", hex_color, "six hex digits RRGGBB", default="FFFFFF"),
    ),
    one_of=("w", "h", "l", "s", "p"), one_of_ec=EC_RESIZE_NOTHING,
    check=_check_resize,
    example="w_24",
)

# --- format, quality, interlace (image §4.4, image §4.5, image §4.6): encode-only
FORMATS = ("jpg", "png", "webp", "bmp", "gif", "tiff", "heic", "avif")
FORMAT_SYNONYMS = {"jpeg": "jpg"}
EC_FORMAT = "0040-00000206"


def parse_format(text: str) -> str:
    """A format name in any case; `jpeg` is normalised to `jpg` ([U]: accepted, image §4.5)."""
    name = FORMAT_SYNONYMS.get(text.lower(), text.lower())
    if name not in FORMATS:
        raise ValueError(text)
    return name


FORMAT = _spec(
    "format", (Param("", parse_format, "one of " + ", ".join(FORMATS), EC_FORMAT, required=True),), single_value=True,
    example="png",
)
QUALITY = _spec("quality", (int_param("q", 1, 100), int_param("Q", 1, 100)), one_of=("q", "Q"), example="q_50")
INTERLACE = _spec("interlace", (int_param("", 0, 1, required=True),), single_value=True, example="1")

# --- crop, indexcrop, circle, rounded-corners (image §4.2, image §4.11, image §4.9, image §4.10)
EC_CROP_GRAVITY = "0040-00000209"
EC_INDEXCROP = "0040-00000224"
EC_RADIUS = "0040-00000237"
MAX_RADIUS = 4096

CROP = _spec(
    "crop",
    (
        int_param("w", 0, NO_BOUND, default=0),
        int_param("h", 0, NO_BOUND, default=0),
        int_param("x", 0, NO_BOUND, default=0),
        int_param("y", 0, NO_BOUND, default=0),
        choice_param("g", GRAVITIES, EC_CROP_GRAVITY),
    ),
    example="w_20,h_20",
)
INDEXCROP = _spec(
    "indexcrop",
    (
        int_param("x", 1, NO_BOUND, EC_INDEXCROP),
        int_param("y", 1, NO_BOUND, EC_INDEXCROP),
        int_param("i", 0, NO_BOUND, EC_INDEXCROP, default=0),
    ),
    one_of=("x", "y"), one_of_ec=EC_INDEXCROP,
    example="x_16",
)
CIRCLE = _spec("circle", (int_param("r", 1, MAX_RADIUS, required=True),), example="r_12")
ROUNDED_CORNERS = _spec(
    "rounded-corners", (int_param("r", 1, MAX_RADIUS, EC_RADIUS, required=True),), "rounded_corners",
    example="r_6",
)

# --- rotate, auto-orient (image §4.7, image §4.8)
EC_ROTATE = "0040-00000217"
EC_AUTO_ORIENT = "0040-00000215"

ROTATE = _spec("rotate", (int_param("", 0, 360, EC_ROTATE, default=0),), single_value=True, example="90")
AUTO_ORIENT = _spec(
    "auto-orient", (int_param("", 0, 1, EC_AUTO_ORIENT, required=True),), "auto_orient", single_value=True,
    example="1",
)

# --- blur, bright, contrast, sharpen (image §4.12, image §4.13)
EC_BRIGHT = "0040-00000246"


def _check_blur(values: dict[str, Any]) -> None:
    missing = [f"{key}_" for key in ("r", "s") if key not in values]
    if missing:
        raise missing_argument(f"blur needs both r_ and s_; {' and '.join(missing)} missing.")


BLUR = _spec("blur", (int_param("r", 1, 50), int_param("s", 1, 50)), check=_check_blur, example="r_2,s_2")
BRIGHT = _spec("bright", (int_param("", -100, 100, EC_BRIGHT, required=True),), single_value=True, example="20")
CONTRAST = _spec("contrast", (int_param("", -100, 100, required=True),), single_value=True, example="20")
SHARPEN = _spec("sharpen", (int_param("", 50, 399, required=True),), single_value=True, example="100")

# --- answers of their own: info, average-hue (image §4.14, image §4.15), codes and faces (media §4)
INFO = _spec("info", (), standalone=True)
AVERAGE_HUE = _spec("average-hue", (), "average_hue")
CODES = _spec("codes", (), signed_only=True)
FACES = _spec("faces", (), signed_only=True)

# --- blindwatermark, blindwatermark-decode (image §4.16, image §4.17)
BLIND_STRENGTHS = ("low", "medium", "high")
MAX_BLIND_CHARACTERS = 256


def _blind_content(value: str) -> str:
    """`content_`: Base64 of 1 to 256 characters, kept as URL-safe Base64 for the canonical chain."""
    text = decode_b64(value)
    if not text:
        raise invalid("blindwatermark", "content_ is empty.")
    if len(text) > MAX_BLIND_CHARACTERS:
        raise invalid(
            "blindwatermark", f"content_ has {len(text)} characters; at most {MAX_BLIND_CHARACTERS} are allowed."
        )
    return encode_b64(text)


BLINDWATERMARK = _spec(
    "blindwatermark",
    (
        Param("content", _blind_content, f"URL-safe Base64 of 1 to {MAX_BLIND_CHARACTERS} characters", required=True),
        choice_param("s", BLIND_STRENGTHS, default="low"),
        int_param("q", 70, 100, default=90),
    ),
    signed_only=True,
    example=f"content_{encode_b64('hi')},s_high",
)
BLINDWATERMARK_DECODE = _spec("blindwatermark-decode", (), "blindwatermark_decode", signed_only=True)

# --- watermark (image §4.3)
EC_WATERMARK_TYPE_BASE64 = "0040-00000250"
EC_WATERMARK_TYPE_UNKNOWN = "0040-00000251"
EC_WATERMARK_COLOR = "0040-00000254"
EC_WATERMARK_SHADOW = "0040-00000255"
EC_WATERMARK_SIZE = "0040-00000256"
EC_WATERMARK_TEXT_BASE64 = "0040-00000257"
EC_WATERMARK_TEXT_EMPTY = "0040-00000258"
EC_WATERMARK_TEXT_LONG = "0040-00000259"
EC_WATERMARK_GRAVITY = "0040-00000260"
EC_WATERMARK_X = "0040-00000262"
EC_WATERMARK_T = "0040-00000263"
EC_WATERMARK_Y = "0040-00000264"
EC_WATERMARK_IMAGE = "0040-00000265"
EC_WATERMARK_VOFFSET = "0040-00000268"
EC_WATERMARK_ORDER = "0040-00000269"
EC_WATERMARK_INTERVAL = "0040-00000270"
EC_WATERMARK_ALIGN = "0040-00000271"
EC_WATERMARK_ROTATE = "0040-00000272"
EC_WATERMARK_FILL = "0040-00000274"
EC_WATERMARK_PAD = "0040-00000276"
EC_WATERMARK_NOTHING = "0040-00000278"
MAX_WATERMARK_TEXT = 64
MAX_MARGIN = 4096
# The actions that may pre-process a watermark image (`image_` with `?x-oss-process=`).
MARK_STEPS = Catalogue((RESIZE, CROP, ROTATE, INDEXCROP))


def _watermark_text(value: str) -> str:
    """`text_`: Base64 of 1 to 64 characters, kept as URL-safe Base64 for the canonical chain."""
    text = decode_b64(value)
    if not text:
        raise invalid("watermark", "text_ is empty.", EC_WATERMARK_TEXT_EMPTY)
    if len(text) > MAX_WATERMARK_TEXT:
        raise invalid(
            "watermark", f"text_ has {len(text)} characters; at most {MAX_WATERMARK_TEXT} are allowed.",
            EC_WATERMARK_TEXT_LONG,
        )
    return encode_b64(text)


def _watermark_font(value: str) -> str:
    """`type_`: Base64 of one of OSS's font names."""
    name = decode_b64(value)
    if name not in fonts.FONTS:
        raise OssError(
            400, "InvalidArgument",
            f"The font {name!r} is not supported; use one of " + ", ".join(fonts.FONTS) + ".",
            EC_WATERMARK_TYPE_UNKNOWN, {"ArgumentName": "type", "ArgumentValue": value},
        )
    return encode_b64(name)


def mark_keys(values: Mapping[str, Any]) -> tuple[str, ...]:
    """The `needs` hook: an image watermark reads one more object of the bucket."""
    source = values.get("image")
    return (source.key,) if isinstance(source, MarkSource) else ()


WATERMARK_TEXT = Param(
    "text", _watermark_text, f"URL-safe Base64 of 1 to {MAX_WATERMARK_TEXT} characters", EC_WATERMARK_TEXT_BASE64,
)
WATERMARK_FONT = Param(
    "type", _watermark_font, "URL-safe Base64 of a font name", EC_WATERMARK_TYPE_BASE64,
    default=encode_b64(fonts.DEFAULT),
)
WATERMARK = _spec(
    "watermark",
    (
        WATERMARK_TEXT,
        WATERMARK_FONT,
        Param("color", hex_color, "six hex digits RRGGBB", EC_WATERMARK_COLOR, default="000000"),
        int_param("size", 1, 1000, EC_WATERMARK_SIZE, default=40),
        int_param("shadow", 0, 100, EC_WATERMARK_SHADOW, default=0),
        int_param("rotate", 0, 360, EC_WATERMARK_ROTATE, default=0),
        Param(
            "image", partial(parse_mark, steps=MARK_STEPS), "URL-safe Base64 of an object key", EC_WATERMARK_IMAGE,
        ),
        int_param("t", 0, 100, EC_WATERMARK_T, default=100),
        choice_param("g", GRAVITIES, EC_WATERMARK_GRAVITY, default="se"),
        int_param("x", 0, MAX_MARGIN, EC_WATERMARK_X, default=10),
        int_param("y", 0, MAX_MARGIN, EC_WATERMARK_Y, default=10),
        int_param("voffset", -1000, 1000, EC_WATERMARK_VOFFSET, default=0),
        int_param("fill", 0, 1, EC_WATERMARK_FILL, default=0),
        int_param("padx", 0, MAX_MARGIN, EC_WATERMARK_PAD, default=0),
        int_param("pady", 0, MAX_MARGIN, EC_WATERMARK_PAD, default=0),
        int_param("order", 0, 1, EC_WATERMARK_ORDER, default=0),
        int_param("align", 0, 2, EC_WATERMARK_ALIGN, default=0),  # top, middle, bottom
        int_param("interval", 0, 1000, EC_WATERMARK_INTERVAL, default=0),
    ),
    one_of=("text", "image"), one_of_ec=EC_WATERMARK_NOTHING,
    needs=mark_keys,
    example=f"text_{encode_b64('Hi')},size_12",
)

IMAGE = (
    RESIZE, FORMAT, QUALITY, INTERLACE,
    CROP, INDEXCROP, CIRCLE, ROUNDED_CORNERS, ROTATE, AUTO_ORIENT,
    BLUR, BRIGHT, CONTRAST, SHARPEN, INFO, AVERAGE_HUE,
    WATERMARK, CODES, FACES, BLINDWATERMARK, BLINDWATERMARK_DECODE,
)
# Actions OSS has that Osprey does not run: no model fit for them ships in a package.
UNSUPPORTED = frozenset({"bodies", "cars", "labels", "score"})
