"""image/codes (media §4): the QR and bar codes in the image, as IMM's DetectImageCodes JSON.

`{"Codes": [{"Boundary": {"Height", "Left", "Top", "Width"}, "Confidence", "Content", "Format", "Type"}]}`
Decisions (IMM's field names; OSS documents no body of its own [U]):
- zxing-cpp reads every symbology it knows, rotated and inverted ones too; at most five codes, OSS's
  limit, in reading order (top to bottom, then left to right); none found gives `{"Codes": []}`;
- `Type` is IMM's enum: `barcode` for linear symbologies, `qrcode` for every two-dimensional one
  (QR, Micro QR, rMQR, Data Matrix, Aztec, PDF417, MaxiCode); `Format`, ours, names the symbology
  as zxing-cpp does (`QRCode`, `EAN13`, `Code128`, `DataMatrix`…);
- `Boundary` is the upright rectangle around the code's four corners, in pixels of the image as the
  chain left it (so `crop,…/codes` reports positions in the crop);
- `Confidence` is 1.0: zxing-cpp reports only codes whose checksum or error correction verified;
- `Content` is zxing-cpp's human-readable text (GS1 data with its `(01)` application identifiers);
- an animation is read on its first frame; transparent areas count as white.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import zxingcpp

from proxy.limits import Limits
from proxy.process import jsonbody
from proxy.process.image.state import ImageState
from proxy.process.image.vision import boundary, flat_frame

MAX_CODES = 5
_LINEAR = frozenset(zxingcpp.barcode_formats_list(zxingcpp.BarcodeFormat.AllLinear))


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    found = sorted((_code(result) for result in zxingcpp.read_barcodes(flat_frame(state))), key=_reading_order)
    return replace(state, output=jsonbody.output({"Codes": found[:MAX_CODES]}))


def _code(result: zxingcpp.Barcode) -> dict[str, Any]:
    corners = result.position
    points = (corners.top_left, corners.top_right, corners.bottom_right, corners.bottom_left)
    xs, ys = [point.x for point in points], [point.y for point in points]
    left, top = max(0, min(xs)), max(0, min(ys))
    return {
        "Boundary": boundary(left, top, max(xs) - left, max(ys) - top),
        "Confidence": 1.0,
        "Content": result.text,
        "Format": result.format.name,
        "Type": "barcode" if result.format in _LINEAR else "qrcode",
    }


def _reading_order(code: dict[str, Any]) -> tuple[int, int]:
    return code["Boundary"]["Top"], code["Boundary"]["Left"]
