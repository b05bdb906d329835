"""What the handlers need, built by `proxy.app` and passed in through the application."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from aiohttp import web

from proxy.config import Config
from proxy.upstream.base import Upstream
from proxy.workers import WorkerPool


@dataclass
class Services:
    config: Config
    upstream: Upstream
    pool: WorkerPool
    credentials: Mapping[str, str] = field(init=False)

    def __post_init__(self) -> None:
        # Access key id → secret: the keys clients sign with, looked up on every signed request.
        self.credentials = {c.access_key_id: c.secret_access_key for c in self.config.credentials}


SERVICES = web.AppKey("services", Services)


def services(request: web.Request) -> Services:
    return request.app[SERVICES]
