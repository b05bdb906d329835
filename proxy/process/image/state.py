"""The one value every image action takes and returns: decoded frames plus how to encode them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from PIL import Image

from proxy.process.image import budget
from proxy.process.output import Output

Size = tuple[int, int]
# What a `hint` returns for an action that reads only the source header (info): no frame is decoded.
HEADER_ONLY: Size = (0, 0)


@dataclass(frozen=True)
class Quality:
    """A requested encoder quality: `q_` is relative to the source's, `Q_` an absolute cap."""

    value: int
    relative: bool


@dataclass(frozen=True)
class SourceHeader:
    """What `info` reports about the source object (image §4.14); no action changes it."""

    byte_size: int
    frame_count: int
    jfif: tuple[int, int, int] | None = None  # a JPEG's APP0 density (unit, x, y)
    # The EXIF block exactly as stored, every IFD and offset intact (a TIFF's own first IFD, re-serialised).
    exif: bytes | None = None


@dataclass(frozen=True)
class ImageState:
    """An image between decode and encode; actions return a new state, never mutate one."""

    # Empty when the chain reads only the header (`HEADER_ONLY`). An animated GIF's frames are held as decoded,
    # in P mode (one byte a pixel rather than RGBA's four), until an action reads them: `frame`, `map_frames`
    # and `first_frame` hand out L, LA, RGB or RGBA.
    frames: tuple[Image.Image, ...]
    # The logical size every geometry rule uses. Frames have exactly that size, except right after a JPEG
    # draft decode, when only encode-only actions run before a resize.
    size: Size
    source_format: str
    target_format: str
    # `durations` (ms) and `loop` matter only when there are several frames (an animation).
    durations: tuple[int, ...] = ()
    loop: int | None = None
    source_quality: int | None = None
    quality: Quality | None = None
    progressive: bool = False
    exif: bytes | None = None
    icc: bytes | None = None
    output: Output | None = None  # set by actions that answer with their own body (JSON): the chain stops there
    header: SourceHeader | None = None  # set by decode
    # The other objects of the bucket the chain reads (image watermarks), by key.
    resources: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    # Bounds the frames `map_frames` makes (limits.max_decoded_bytes, set by decode): an action on a thousand
    # held palette frames makes a thousand RGBA ones.
    max_bytes: int | None = None

    @property
    def animated(self) -> bool:
        return len(self.frames) > 1

    def with_frames(self, frames: tuple[Image.Image, ...] | list[Image.Image]) -> ImageState:
        """New pixels; the logical size follows them (and a single frame drops the timing)."""
        frames = tuple(frames)
        durations = self.durations[: len(frames)] if len(frames) > 1 else ()
        return replace(self, frames=frames, size=frames[0].size, durations=durations)

    def frame(self, index: int = 0) -> Image.Image:
        """Frame `index` in a mode actions work on (L, LA, RGB or RGBA)."""
        return workable(self.frames[index])

    def map_frames(self, fn: Callable[[Image.Image], Image.Image]) -> ImageState:
        """Apply `fn` to every frame, keeping each frame's duration; 400 once the new frames outgrow
        `max_bytes`, checked as they are made."""
        frames, held = [], 0
        for frame in self.frames:
            frames.append(fn(workable(frame)))
            held += budget.frame_bytes(frames[-1])
            if self.max_bytes is not None:
                budget.check_bytes(held, self.max_bytes, f"The {len(self.frames)} frames this action makes")
        return self.with_frames(frames)

    def first_frame(self) -> ImageState:
        """A still image of the first frame (what OSS returns for e.g. `resize,p_` on a GIF)."""
        return self.with_frames([self.frame(0)])


def workable(frame: Image.Image) -> Image.Image:
    """A held palette frame as RGBA; frames in any other mode are already what actions expect."""
    return frame.convert("RGBA") if frame.mode == "P" else frame


def encode_only(args: Mapping[str, Any], size: Size) -> None:
    """The `hint` of actions that only change how the image is encoded: they need no pixels."""
    return None


def header_only(args: Mapping[str, Any], size: Size) -> Size:
    """The `hint` of actions that read only the source header (info): decode no pixels at all."""
    return HEADER_ONLY
