"""The composition root: builds the aiohttp application from a Config. It wires; it does not decide."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from proxy.config import Config
from proxy.front import handlers
from proxy.front.observe import METRICS, metrics_page, served, watch
from proxy.front.readiness import READINESS, Readiness
from proxy.front.services import SERVICES, Services
from proxy.front.uploads import defer_continue
from proxy.metrics import Metrics
from proxy.upstream.build import open_upstream
from proxy.upstream.interface import Upstream
from proxy.upstream.local import LocalUpstream
from proxy.upstream.metered import MeteredUpstream
from proxy.upstream.shared_heads import SharedHeads
from proxy.workers import WorkerPool

RESERVED = "/_osprey"
METRICS_PATH = f"{RESERVED}/metrics"


def build_app(config: Config, upstream: Upstream | None = None) -> web.Application:
    """An application whose upstream and worker pool open on start-up and close on clean-up; an `upstream`
    passed in belongs to the caller (tests) and is not closed here."""
    app = web.Application()
    metrics = app[METRICS] = Metrics()
    app[READINESS] = Readiness()
    app.on_shutdown.append(_drain)
    app.cleanup_ctx.append(_lifecycle(config, upstream))
    for path, handler in ((f"{RESERVED}/healthz", handlers.healthz), (f"{RESERVED}/readyz", handlers.readyz),
                          (METRICS_PATH, metrics_page)):
        app.router.add_route("*", path, served(handlers.reading_only(handler), metrics))
    # Any path at all, newlines included: an object key may hold one.
    app.router.add_route("*", r"/{tail:[\s\S]*}", served(handlers.handle, metrics),
                         expect_handler=defer_continue)
    return app


def _lifecycle(config: Config, given: Upstream | None):
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        metrics = app[METRICS]
        raw = given or await open_upstream(config.upstream)
        limits = config.limits
        pool = WorkerPool(limits.workers, limits.max_concurrency, limits.timeout_s, metrics,
                          heavy_workers=limits.heavy_workers, memory_bytes=limits.worker_memory_bytes)
        upstream: Upstream = MeteredUpstream(raw, metrics)
        if not isinstance(raw, LocalUpstream):
            upstream = SharedHeads(upstream)
        svc = Services(config, upstream, pool, metrics)
        app[SERVICES] = svc
        watch(metrics, svc)
        app[READINESS].watch(svc.upstream.ping)
        try:
            yield
        finally:
            app[READINESS].watch(None)
            pool.close()
            if given is None:
                await raw.close()

    return lifecycle


async def _drain(app: web.Application) -> None:
    """on_shutdown: the listening sockets are closed; in-flight requests finish while probes see 503."""
    app[READINESS].draining = True
