"""`osprey serve`: listen, answer until SIGTERM or SIGINT, then drain and exit.

Shutdown order: readiness turns false, the listening sockets close (new connections are refused), idle
keep-alive connections close, requests in flight get up to `server.drain_timeout_s` to finish (then they
are cancelled), and only then do the worker pool and the upstream close.

Start-up: a bad config or a missing local root stops Osprey with one line (nothing would ever fix them
without a restart). An S3 upstream that does not answer yet is not fatal: Osprey starts unready and
`/_osprey/readyz` turns 200 once it answers, so a brief outage of the store does not crash-loop every pod.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from pathlib import Path

from aiohttp import web

from proxy.app import METRICS_PATH, build_app
from proxy.config import Config, ConfigError, ServerConfig
from proxy.front.connections import ConnectionLimits, GuardedRunner
from proxy.front.observe import METRICS, metrics_app
from proxy.front.readiness import READINESS
from proxy.front.services import SERVICES
from proxy.process.doc import sandbox

log = logging.getLogger("osprey.server")


class StartupError(Exception):
    """Osprey cannot serve at all; the message is one line."""


def serve(config: Config) -> None:
    """Run until SIGTERM or SIGINT; return once drained (the process then exits 0)."""
    check_dependencies(config)
    asyncio.run(_serve(config))


def check_dependencies(config: Config) -> None:
    """What must be there before start-up, reported as a config error."""
    up = config.upstream
    if up.type == "local" and not Path(up.root).is_dir():
        raise ConfigError(f"config error: upstream.root = {up.root!r} is not a directory (type 'local' serves "
                          "its sub-directories as buckets)")
    problem = sandbox.start_problem(config.limits.doc_sandbox)
    if problem is not None:
        raise ConfigError(f"config error: {problem}")


async def _serve(config: Config) -> None:
    server = config.server
    app = build_app(config)
    runner = _runner(app, server, shutdown_timeout=server.drain_timeout_s)
    metrics_runner = _runner(metrics_app(app[METRICS], METRICS_PATH), server) if server.metrics_port else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    started: list[web.AppRunner] = []
    try:
        await _setup(runner, started)
        await app[SERVICES].pool.start()  # before the port opens: the first requests find warm workers
        await _listen(runner, server.host, server.port, "")
        if metrics_runner is not None:
            await _setup(metrics_runner, started)
            await _listen(metrics_runner, server.host, server.metrics_port, " (metrics)")
        problem = await app[READINESS].problem()
        if problem is not None:
            log.warning("not ready yet: %s; /_osprey/readyz answers 503 until that changes", problem)
        gc.freeze()  # what start-up built lives as long as the server: full collections need not walk it
        await stop.wait()
        log.info("shutting down: refusing new connections, draining requests in flight for up to %g s",
                 server.drain_timeout_s)
        app[READINESS].draining = True
    finally:
        for started_runner in started:  # the metrics port last: scrapes see the drain through
            await started_runner.cleanup()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    log.info("stopped")


def _runner(app: web.Application, server: ServerConfig, **kwargs: float) -> GuardedRunner:
    """A runner whose connections have deadlines for headers and bodies, a cap, and XML for a bad request head."""
    limits = ConnectionLimits(server.header_timeout_s, server.body_idle_timeout_s, server.max_connections)
    # A client that disconnects has its handler cancelled (aiohttp leaves it running by default): a processing
    # job it alone was waiting for is then dropped before it takes a worker (`cache.SingleFlight`).
    return GuardedRunner(app, limits, handle_signals=False, access_log=None, handler_cancellation=True,
                         keepalive_timeout=server.keepalive_timeout_s, **kwargs)


async def _setup(runner: web.AppRunner, started: list[web.AppRunner]) -> None:
    """Start the application (the upstream client, the worker pool); a failure is one line."""
    try:
        await runner.setup()
    except Exception as exc:
        log.debug("start-up failed", exc_info=True)
        raise StartupError(f"osprey: start-up failed: {type(exc).__name__}: {exc}") from None
    started.append(runner)


async def _listen(runner: web.AppRunner, host: str, port: int, what: str) -> None:
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        raise StartupError(f"osprey: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    log.info("listening on %s%s", site.name, what)
