"""What the handlers need, built by `proxy.app` and passed in through the application."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from proxy.config import Config
from proxy.upstream.base import Upstream
from proxy.workers import WorkerPool


@dataclass
class Services:
    config: Config
    upstream: Upstream
    pool: WorkerPool


SERVICES = web.AppKey("services", Services)


def services(request: web.Request) -> Services:
    return request.app[SERVICES]
