"""image/blindwatermark-decode: the text image/blindwatermark hid, as `{"Content": "<text>"}`.

A synchronous extension of ours: OSS reads its marks only asynchronously (`x-oss-async-process`,
IMM's DecodeBlindWatermark, whose result field is `Content`). Decisions:
- an image without a mark (or a mark under another key) answers 200 `{"Content": ""}`, since the
  request itself was fine and a mark's text is never empty;
- it reads marks that went through JPEG at quality >= 70 and uniform resizing down to half the
  marked size, often to 40 % (`blindmark`); crops, rotations and OSS's own marks are not read;
- it takes no parameters, may follow other actions, and ends the chain.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from proxy.limits import Limits
from proxy.process import jsonbody
from proxy.process.image import blindmark
from proxy.process.image.state import ImageState
from proxy.process.image.vision import flat_frame


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    text = blindmark.extract(np.asarray(flat_frame(state)))
    return replace(state, output=jsonbody.output({"Content": text or ""}))
