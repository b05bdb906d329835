"""What the image-intelligence actions share: the pixels they look at and IMM's `Boundary` object."""

from __future__ import annotations

from PIL import Image

from proxy.process.image.state import ImageState


def flat_frame(state: ImageState) -> Image.Image:
    """The first frame as L or RGB, transparent areas on white (where a viewer would see them)."""
    frame = state.frame()
    if frame.mode not in ("LA", "RGBA"):
        return frame
    flat = Image.new(frame.mode[:-1], frame.size, "white")
    flat.paste(frame, mask=frame.getchannel("A"))
    return flat


def boundary(left: int, top: int, width: int, height: int) -> dict[str, int]:
    """IMM's rectangle form of `Boundary` (pixels; its `Polygon` form is not used)."""
    return {"Height": int(height), "Left": int(left), "Top": int(top), "Width": int(width)}
