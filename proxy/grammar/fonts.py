"""The OSS watermark font names (image §4.3) and the open face from a Debian package each maps to.

The grammar validates `type_` against these names; `proxy.process.image.fonts` loads the faces.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Face:
    """One font face: a file under /usr/share/fonts, the family inside it, and the Debian package with it."""

    path: str
    family: str
    package: str


FONTS: dict[str, Face] = {
    "wqy-zenhei": Face("truetype/wqy/wqy-zenhei.ttc", "WenQuanYi Zen Hei", "fonts-wqy-zenhei"),
    "wqy-microhei": Face("truetype/wqy/wqy-microhei.ttc", "WenQuanYi Micro Hei", "fonts-wqy-microhei"),
    "fangzhengshusong": Face("opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC", "fonts-noto-cjk"),
    "fangzhengkaiti": Face("truetype/arphic/ukai.ttc", "AR PL UKai CN", "fonts-arphic-ukai"),
    "fangzhengheiti": Face("opentype/noto/NotoSansCJK-Bold.ttc", "Noto Sans CJK SC", "fonts-noto-cjk"),
    # Debian has no open FangSong with simplified characters; FangSong is a Song variant.
    "fangzhengfangsong": Face("opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC", "fonts-noto-cjk"),
    "droidsansfallback": Face(
        "truetype/droid/DroidSansFallbackFull.ttf", "Droid Sans Fallback", "fonts-droid-fallback",
    ),
}
DEFAULT = "wqy-zenhei"
