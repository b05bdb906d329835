"""image/faces (media §4): frontal faces with a confidence, as IMM's DetectImageFaces JSON.

`{"Faces": [{"Boundary": {"Height", "Left", "Top", "Width"}, "FigureConfidence", "FigureType": "face"}]}`
Decisions (IMM's `Figure` field names; the attributes IMM adds — age, gender, emotion… — need
models no package ships, so they are left out):
- OpenCV's Haar cascade `haarcascade_frontalface_alt2`, which the opencv-python wheel ships (no
  model is fetched at run time; OpenCV 5 dropped cascades, hence `opencv-python-headless<5`); it finds
  upright frontal faces, not profiles. OpenCV's better YuNet detector needs an ONNX file that no
  PyPI package ships (the YuNet wrappers there download it when first used);
- the search runs on a copy at most `WORK_SIDE` px long (faces smaller than ~2.5 % of the long side
  are missed) with equalised histogram, at least 5 overlapping hits per face; boxes are scaled back;
- `FigureConfidence` is the logistic of the cascade's final-stage margin (its stage sum over the
  stage threshold, from `detectMultiScale3`'s level weights): 0.5 for a window that barely passed
  every stage, ~0.93 for a clear portrait; faces come most confident first;
- an animation is searched on its first frame; transparent areas count as white.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from proxy.limits import Limits
from proxy.process import jsonbody
from proxy.process.image.state import ImageState
from proxy.process.image.vision import boundary, flat_frame

CASCADE = Path(cv2.data.haarcascades) / "haarcascade_frontalface_alt2.xml"
WORK_SIDE = 1024
MIN_FACE = 24
MIN_NEIGHBOURS = 5
SCALE_STEP = 1.1


@cache
def _detector() -> tuple[cv2.CascadeClassifier, float]:
    """The cascade and its last stage's threshold, loaded once per worker process."""
    last_threshold = float(ET.parse(CASCADE).findall(".//stageThreshold")[-1].text or 0)
    return cv2.CascadeClassifier(str(CASCADE)), last_threshold


def detect(grey: np.ndarray) -> list[tuple[tuple[int, int, int, int], float]]:
    """((left, top, width, height), confidence) of each face in an 8-bit grey image, most confident first."""
    height, width = grey.shape
    scale = min(1.0, WORK_SIDE / max(width, height))
    if scale < 1:
        grey = cv2.resize(grey, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    cascade, last_threshold = _detector()
    boxes, _, weights = cascade.detectMultiScale3(
        cv2.equalizeHist(grey), scaleFactor=SCALE_STEP, minNeighbors=MIN_NEIGHBOURS,
        minSize=(MIN_FACE, MIN_FACE), outputRejectLevels=True,
    )
    faces = [
        (_scaled(box, 1 / scale), 1 / (1 + math.exp(last_threshold - float(weight))))
        for box, weight in zip(boxes, np.ravel(weights), strict=True)
    ]
    return sorted(faces, key=lambda face: (-face[1], face[0][1], face[0][0]))


def _scaled(box: np.ndarray, factor: float) -> tuple[int, int, int, int]:
    left, top, width, height = (round(int(value) * factor) for value in box)
    return left, top, width, height


def apply(state: ImageState, args: dict[str, Any], limits: Limits) -> ImageState:
    grey = np.asarray(flat_frame(state).convert("L"))
    faces = [
        {"Boundary": boundary(*box), "FigureConfidence": round(confidence, 3), "FigureType": "face"}
        for box, confidence in detect(grey)
    ]
    return replace(state, output=jsonbody.output({"Faces": faces}))
