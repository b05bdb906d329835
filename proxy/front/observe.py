"""What every request gets and leaves behind: a request id, a trace, OSS error bodies for failures; request
metrics, rejections and one access-log line. And the metrics page.

The access line is built from the request's `Trace` (bucket, key, operation, canonical chain, cache result,
stage times), never from its headers or query string, so no signature can reach the log this way.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from proxy.front.errors import REQUEST_ID, as_oss_error, error_response, new_request_id, stamp
from proxy.front.services import Services
from proxy.front.uploads import continue_owed
from proxy.logs import ACCESS_LOGGER
from proxy.metrics import Metrics, method_label
from proxy.trace import Trace, current_trace, tracing

METRICS = web.AppKey("metrics", Metrics)

# Operation labels beyond the S3 names `proxy.upstream.operations.operation` gives (a closed set too).
PROCESS_OBJECT = "ProcessObject"
PROCESS_TASK = "PostProcessTask"
PROBES = frozenset({"Healthz", "Readyz", "Metrics"})
CLIENT_GONE = 499  # nginx's status for a client that left before its answer was sent

_TOO_LARGE = frozenset({"ImageTooLarge", "EntityTooLarge"})
access_log = logging.getLogger(ACCESS_LOGGER)


def served(handler: Handler, metrics: Metrics) -> Handler:
    """`handler` as a route: a request id and a trace, an OSS error body for any failure, the answer sent in
    full (so duration and bytes include a buffered body), then its metrics and access line."""
    # A wrapper rather than aiohttp middleware: middleware adds several layers of calls to every request,
    # and a cache hit is little more than those layers.

    async def serve(request: web.Request) -> web.StreamResponse:
        request_id = request[REQUEST_ID] = new_request_id()
        trace = Trace()
        status, response = CLIENT_GONE, None  # stays so when the handler is cancelled (client gone, drain over)
        with tracing(trace):
            try:
                try:
                    response = await handler(request)
                except Exception as exc:
                    err = as_oss_error(exc, request, request_id)
                    trace.error = err.code  # for the access log and the rejection count
                    response = error_response(err, request, request_id)
                status = await _send(request, response)
                return response
            except Exception:
                status = 500
                raise
            finally:
                _finish(metrics, request, trace, status, response)

    return serve


async def _send(request: web.Request, response: web.StreamResponse) -> int:
    """Finish the answer here; the status as sent."""
    if response.prepared and (request.transport is None or request.transport.is_closing()):
        return response.status  # a stream cut on purpose (its upstream broke): nothing more to send
    try:
        if not response.prepared:
            stamp(request, response)
            if continue_owed(request):
                response.force_close()
            await response.prepare(request)
        await response.write_eof()
    except ConnectionError:
        return CLIENT_GONE
    return response.status


def _finish(metrics: Metrics, request: web.Request, trace: Trace, status: int,
            response: web.StreamResponse | None) -> None:
    elapsed = time.perf_counter() - trace.started
    operation = trace.operation
    metrics.child(metrics.requests, method_label(request.method), operation, str(status)).inc()
    metrics.child(metrics.request_duration, operation).observe(elapsed)
    reason = rejection_reason(trace, status)
    if reason is not None:
        metrics.child(metrics.rejections, reason).inc()
    level = logging.DEBUG if operation in PROBES else logging.INFO
    if not access_log.isEnabledFor(level):
        return
    fields = {
        "request_id": request.get(REQUEST_ID, ""),
        "method": request.method,
        "bucket": trace.bucket,
        "key": trace.key,
        "operation": operation,
        "process": trace.process,
        "status": status,
        "bytes_sent": (response.body_length if response is not None and response.prepared else 0)
        + trace.relayed_bytes,
        "cache": trace.cache,
        "error": trace.error,
        "duration_ms": round(elapsed * 1000, 3),
        "stages_ms": {stage: round(seconds * 1000, 3) for stage, seconds in trace.stages.items()},
        "remote": request.remote or "",
    }
    access_log.log(level, "%s %s %s", request.method, operation, status, extra={"fields": fields})


def rejection_reason(trace: Trace, status: int) -> str | None:
    """Which limit or policy refused the request, if one did. The pool counts its own (busy, timeout)."""
    if not 400 <= status < 500:
        return None
    if trace.failed_stage == "auth":
        return "bad_signature"
    if trace.error == "AccessDenied":
        return "access_denied"
    if trace.error in _TOO_LARGE:
        return "too_large"
    return None


def watch(metrics: Metrics, svc: Services) -> None:
    """Gauges read when scraped: the result cache's size, the worker pool's queue and busy workers."""
    metrics.cache_bytes.set_function(lambda: svc.renditions.bytes)
    metrics.cache_entries.set_function(lambda: len(svc.renditions))
    metrics.worker_queue_depth.set_function(lambda: svc.pool.queued)
    metrics.workers_busy.set_function(lambda: svc.pool.busy)


async def metrics_page(request: web.Request) -> web.Response:
    """Prometheus text format."""
    current_trace().operation = "Metrics"
    body, content_type = request.app[METRICS].exposition()
    return web.Response(body=body, headers={"Content-Type": content_type})


def metrics_app(metrics: Metrics, path: str) -> web.Application:
    """The metrics page alone, for `server.metrics_port`: scrapes stay off the traffic port."""
    app = web.Application()
    app[METRICS] = metrics
    app.router.add_get(path, metrics_page)
    app.on_response_prepare.append(_stamped)  # its 404s and 405s too; a scrape is rare enough for a signal
    return app


async def _stamped(request: web.Request, response: web.StreamResponse) -> None:
    stamp(request, response)
