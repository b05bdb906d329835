"""The composition root: builds the aiohttp application from a Config. It wires; it does not decide."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from proxy.config import Config
from proxy.front import handlers
from proxy.front.middleware import add_request_id, errors_middleware
from proxy.front.services import SERVICES, Services
from proxy.upstream.base import Upstream
from proxy.upstream.build import open_upstream
from proxy.workers import WorkerPool

RESERVED = "/_osprey"


def build_app(config: Config, upstream: Upstream | None = None) -> web.Application:
    """An application whose upstream and worker pool open on start-up and close on clean-up.

    Pass `upstream` to use one that the caller owns (tests); it is not closed here.
    """
    app = web.Application(middlewares=[errors_middleware])
    app.on_response_prepare.append(add_request_id)
    app.cleanup_ctx.append(_lifecycle(config, upstream))
    app.router.add_get(f"{RESERVED}/healthz", handlers.healthz)
    app.router.add_get(f"{RESERVED}/readyz", handlers.readyz)
    app.router.add_route("*", "/{tail:.*}", handlers.handle)
    return app


def _lifecycle(config: Config, given: Upstream | None):
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        upstream = given or await open_upstream(config.upstream)
        limits = config.limits
        pool = WorkerPool(limits.workers, limits.max_concurrency, limits.timeout_s)
        app[SERVICES] = Services(config, upstream, pool)
        try:
            yield
        finally:
            pool.close()
            if given is None:
                await upstream.close()

    return lifecycle
