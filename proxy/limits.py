"""Every bound on what a stranger controls, with OSS's defaults, defined once."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Resource bounds; each field is a `[limits]` config key."""

    max_source_bytes: int = 20 * MB
    max_side: int = 30_000
    max_pixels: int = 250_000_000
    max_frames: int = 1_000
    max_output_side: int = 16_384
    max_output_pixels: int = 16_777_216
    max_chain: int = 20
    timeout_s: float = 30.0
    max_concurrency: int = 64
    workers: int = 0
