"""Pick the backend the configuration names."""

from __future__ import annotations

from pathlib import Path

from proxy.config import UpstreamConfig
from proxy.upstream.interface import Upstream
from proxy.upstream.local import LocalUpstream
from proxy.upstream.s3 import S3Upstream


async def open_upstream(cfg: UpstreamConfig) -> Upstream:
    """The configured backend, ready to serve; close it with `await upstream.close()`."""
    if cfg.type == "s3":
        return await S3Upstream.open(cfg)
    if cfg.type == "local":
        return LocalUpstream(Path(cfg.root))
    raise ValueError(f"unknown upstream type {cfg.type!r}")
