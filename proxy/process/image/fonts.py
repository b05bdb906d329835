"""The faces of the OSS watermark fonts (the table is `proxy.grammar.fonts`), loaded and probed for glyphs.

Each name maps to a face (a file and a family name inside it) that `scripts/setup.sh` installs.
A character the face lacks is drawn with `FALLBACK` (WenQuanYi Zen Hei covers Latin and CJK), so
mixed text never shows a missing-glyph box: Droid Sans Fallback, for one, has no Latin letters.
Layout is Pillow's basic engine, so output does not depend on whether libraqm is installed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from proxy.errors import OssError
from proxy.grammar.fonts import FONTS

FONT_ROOT = Path("/usr/share/fonts")
# The highest face index a collection (.ttc) in the table has; Noto CJK files hold ten.
_MAX_FACES = 16
# U+10FFFF is a noncharacter that no font maps, so it renders the font's missing-glyph shape.
_NOT_A_CHARACTER = "\U0010ffff"
_PROBE_SIZE = 32
FALLBACK = "wqy-zenhei"

Run = tuple[str, ImageFont.FreeTypeFont]


def runs(text: str, name: str, size: int) -> list[Run]:
    """`text` cut into runs of one font each: the named font, or FALLBACK where it has no glyph."""
    pieces: list[tuple[str, str]] = []
    for char in text:
        face = name if name == FALLBACK or has_glyph(name, char) else FALLBACK
        if pieces and pieces[-1][1] == face:
            pieces[-1] = (pieces[-1][0] + char, face)
        else:
            pieces.append((char, face))
    return [(piece, font(face, size)) for piece, face in pieces]


@lru_cache(maxsize=64)
def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """The face for an OSS font name at `size` px; a missing file is a server fault (500)."""
    face = FONTS[name]
    path = FONT_ROOT / face.path
    if not path.is_file():
        raise OssError(
            500, "InternalError",
            f"The font file {path} for {name} is missing: install the Debian package {face.package} "
            "(scripts/setup.sh lists it).",
        )
    return ImageFont.truetype(
        str(path), size, index=_face_index(str(path), face.family), layout_engine=ImageFont.Layout.BASIC,
    )


@lru_cache(maxsize=4096)
def has_glyph(name: str, char: str) -> bool:
    """Whether the font draws `char` itself rather than its missing-glyph shape."""
    probe = font(name, _PROBE_SIZE)
    return _bitmap(probe, char) != _bitmap(probe, _NOT_A_CHARACTER)


@lru_cache(maxsize=16)
def _face_index(path: str, family: str) -> int:
    """The index of `family` in a font collection, found by name so package updates cannot shift it."""
    for index in range(_MAX_FACES):
        try:
            found = ImageFont.truetype(path, _PROBE_SIZE, index=index).getname()[0]
        except OSError:
            break
        if found == family:
            return index
    raise OssError(500, "InternalError", f"The font file {path} has no face named {family!r}.")


def _bitmap(probe: ImageFont.FreeTypeFont, char: str) -> tuple[tuple[int, int], bytes]:
    mask = probe.getmask(char)
    return mask.size, bytes(mask)
