"""The OSS dialect's catalogue, built in one place from one literal per category.

The server, the workers, the policy and the CLI all use this one object, handed to `parse_process`.
"""

from __future__ import annotations

from proxy.grammar import audio, doc, image, video
from proxy.grammar.catalogue import Catalogue

OSS = Catalogue(
    image.IMAGE + doc.DOC + video.VIDEO + audio.AUDIO,
    unsupported={"image": image.UNSUPPORTED, "doc": doc.UNSUPPORTED},
)
