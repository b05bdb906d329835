"""The image mark of `watermark` (image §4.3): another object of the same bucket, optionally pre-processed.

`image_` holds Base64 of `key` or `key?x-oss-process=image/<actions>`, parsed with the request by
`proxy.grammar.watermark_mark`; `resize,P_n` sizes the mark relative to the main image. The server fetches
the object (processing does no I/O) and hands it over in `ImageState.resources`.

Decisions on the points OSS leaves open:
- `P_n` fits the mark, aspect ratio kept, inside n % of the main image's width and n % of its
  height, so the tighter axis drives it (a square mark on a square image matches the legacy
  example) [U]; it enlarges as well as shrinks, and stands alone in its resize;
- a missing watermark object answers 400 InvalidArgument with EC 0040-00000025: the request names
  an object that the main image's URL does not, so 404 would wrongly say the main image is gone [U];
- an animated mark (WebP) contributes its first frame [U].
"""

from __future__ import annotations

from collections.abc import Mapping

from PIL import Image

from proxy.errors import OssError
from proxy.grammar import image as catalogue
from proxy.grammar.chain import Action
from proxy.grammar.watermark_mark import MarkSource, Percent
from proxy.limits import Limits
from proxy.process import engines
from proxy.process.image import resize
from proxy.process.image.codec import EC_UNSUPPORTED, decode
from proxy.process.image.state import ImageState, Size

EC_MISSING = "0040-00000025"
EC_FORMAT = "0040-00000027"
MARK_FORMATS = frozenset({"jpg", "png", "bmp", "webp", "tiff"})


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
        return resize.apply(state, catalogue.RESIZE.resolve(box), limits)
    spec = catalogue.MARK_STEPS.get("image", step.name)
    assert spec is not None, f"parse_mark lets only the pre-processing actions through, not {step.name}"
    return engines.engine(spec).apply(state, spec.resolve(step.args), limits)


def _percent_of(side: int, percent: int) -> int:
    return max(1, (2 * side * percent + 100) // 200)
