"""Connection-level limits aiohttp lacks: a deadline for a request's headers, an idle limit for its body and a
cap on open connections; and what aiohttp refuses itself (a request head it cannot parse, a target no route
matches) answered in OSS XML instead of plain text that echoes the request.

aiohttp reads headers with no deadline (only its keep-alive timer, an hour by default, ends a connection that
never completes a request), so clients trickling a byte a second could hold every socket. The guard is a
subclass of aiohttp's RequestHandler that uses its overridable methods (`connection_made`, `data_received`,
`connection_lost`, `finish_response`, `handle_error`) and a wrapper around the request handler, whose first
call means the headers are complete. The header clock starts when the connection opens and, on a kept-alive
connection, at the first byte of the next request (an idle kept-alive connection is `keepalive_timeout`'s).

A connection past `max_connections` is closed at once, before a byte is read: answering it would mean reading
its request, the very work the cap sheds; a client or load balancer sees it closed and retries elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import StreamReader, web
from aiohttp.http_exceptions import BadHttpMethod, HttpProcessingError, LineTooLong
from aiohttp.typedefs import Handler

from proxy.errors import OssError
from proxy.front.errors import REQUEST_ID, error_xml, new_request_id, stamp
from proxy.front.observe import METRICS
from proxy.metrics import Metrics

log = logging.getLogger("osprey.server")


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """`server.header_timeout_s`, `server.body_idle_timeout_s` and `server.max_connections`."""

    header_timeout_s: float
    body_idle_timeout_s: float
    max_connections: int


class GuardedRunner(web.AppRunner):
    """An AppRunner whose connections are guarded by `limits`."""

    def __init__(self, app: web.Application, limits: ConnectionLimits, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.limits = limits

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()  # starts the application: its handler and request factory
        return GuardedServer(plain, self.limits, self.app[METRICS])


class GuardedServer(web.Server):
    """aiohttp's Server, making guarded protocols and counting the connections open."""

    def __init__(self, plain: web.Server, limits: ConnectionLimits, metrics: Metrics) -> None:
        # `_kwargs`: the protocol settings (keep-alive, access log, debug) the runner gave the plain server.
        super().__init__(_noting_headers(plain.request_handler), request_factory=plain.request_factory,
                         handler_cancellation=plain.handler_cancellation, **plain._kwargs)
        self.limits = limits
        self.metrics = metrics
        self.open = 0
        self.refused = 0  # since the cap was last reached

    def rejected(self, reason: str) -> None:
        self.metrics.rejections.labels(reason).inc()

    def __call__(self) -> GuardedHandler:
        return GuardedHandler(self, loop=self._loop, **self._kwargs)


def _noting_headers(handler: Handler) -> Handler:
    """The application's handler, told first that the headers are complete; what aiohttp refuses before any route
    runs (`OPTIONS *`, `CONNECT host:port`, an unknown `Expect`) it answers in OSS XML, not plain text echoing it."""

    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        cast(GuardedHandler, request.protocol).request_started(request)
        if "Host" not in request.headers:
            # aiohttp's `request.host` would be socket.getfqdn(), a blocking DNS lookup on the loop, per request.
            request = request.clone(host=_socket_host(request))
        try:
            return await handler(request)  # type: ignore[arg-type]
        except web.HTTPException as exc:
            code = "InvalidRequest" if exc.status < 500 else "InternalError"
            return _refusal(request, OssError(exc.status, code, exc.reason))

    return handle  # type: ignore[return-value]


def _refusal(request: web.BaseRequest, err: OssError) -> web.Response:
    """`err` in OSS XML for a request no route saw; the host named is the socket's, never a header's echo."""
    request_id = request[REQUEST_ID] = new_request_id()
    response = web.Response(status=err.status, body=error_xml(err, request_id, _socket_host(request)),
                            headers={"Content-Type": "application/xml"})
    stamp(request, response)  # type: ignore[arg-type]
    return response


def _socket_host(request: web.BaseRequest) -> str:
    """The address the client reached, as `host:port`: what a request that names no host is taken to mean."""
    sockname = request.transport.get_extra_info("sockname") if request.transport is not None else None
    return f"{sockname[0]}:{sockname[1]}" if isinstance(sockname, tuple) else ""


class GuardedHandler(web.RequestHandler):
    """One client connection, closed when its headers are late or its body stalls."""

    __slots__ = ("_body", "_body_seen", "_body_timer", "_guard", "_header_timer", "_in_request")

    def __init__(self, guard: GuardedServer, **kwargs: Any) -> None:
        super().__init__(guard, **kwargs)
        self._guard = guard
        self._header_timer: asyncio.TimerHandle | None = None
        self._body: StreamReader | None = None
        self._body_seen = 0.0
        self._body_timer: asyncio.TimerHandle | None = None
        self._in_request = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        guard = self._guard
        guard.open += 1
        if guard.open > guard.limits.max_connections:
            if not guard.refused:
                log.warning("%d connections open (server.max_connections): closing new ones until fewer are",
                            guard.open - 1)
            guard.refused += 1
            guard.rejected("max_connections")
            self.force_close()
            return
        self._start_header_clock()

    def connection_lost(self, exc: BaseException | None) -> None:
        guard = self._guard
        guard.open -= 1
        if guard.refused and guard.open < guard.limits.max_connections:
            log.info("accepting connections again; %d were closed at the cap", guard.refused)
            guard.refused = 0
        self._stop_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_request:
            self._body_seen = self._loop.time()
        elif self._header_timer is None:
            self._start_header_clock()  # the first byte of the next request on a kept-alive connection
        super().data_received(data)

    def request_started(self, request: web.BaseRequest) -> None:
        """The headers are complete: stop their clock, and watch the body if one is still to come."""
        self._stop_timers()
        self._in_request = True
        if not request.content.is_eof():
            self._body, self._body_seen = request.content, self._loop.time()
            self._body_timer = self._loop.call_later(self._guard.limits.body_idle_timeout_s, self._check_body)

    async def finish_response(self, request: web.BaseRequest, resp: web.StreamResponse,
                              start_time: float | None) -> tuple[web.StreamResponse, bool]:
        try:
            return await super().finish_response(request, resp, start_time)
        finally:
            self._in_request = False
            self._stop_timers()

    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        """A request head aiohttp could not parse: OSS XML that does not echo it, logged in one line."""
        if not isinstance(exc, HttpProcessingError):
            return super().handle_error(request, status, exc, message)
        if isinstance(exc, LineTooLong) or "Too many headers" in str(exc):
            err = OssError(400, "RequestHeaderSectionTooLarge", "The request line or a header field is longer than "
                           f"{self.max_field_size} bytes, or there are more than {self.max_headers} headers.")
        else:
            err = OssError(400, "InvalidRequest", "The request is not valid HTTP/1.1.")
        # Bytes that are not HTTP at all (port scans, TLS spoken to a plain port) are not worth a line.
        level = logging.DEBUG if isinstance(exc, BadHttpMethod) else logging.INFO
        log.log(level, "refused a request from %s: %s (%s)", request.remote, err.code, type(exc).__name__)
        self._guard.rejected("bad_request_head")
        response = _refusal(request, err)
        response.force_close()
        return response

    def _start_header_clock(self) -> None:
        self._header_timer = self._loop.call_later(self._guard.limits.header_timeout_s, self._headers_late)

    def _headers_late(self) -> None:
        self._header_timer = None
        if not self._in_request:
            log.info("closed a connection from %s: no complete request headers within %g s "
                     "(server.header_timeout_s)", self._peer(), self._guard.limits.header_timeout_s)
            self._guard.rejected("header_timeout")
            self.force_close()

    def _check_body(self) -> None:
        self._body_timer = None
        body, transport = self._body, self.transport
        if body is None or body.is_eof() or transport is None:
            return
        now, idle = self._loop.time(), self._guard.limits.body_idle_timeout_s
        if not transport.is_reading():  # paused because the handler is behind: the client owes nothing
            self._body_seen = now
        if now - self._body_seen >= idle:
            log.info("closed a connection from %s: its request body sent nothing for %g s "
                     "(server.body_idle_timeout_s)", self._peer(), idle)
            self._guard.rejected("body_idle_timeout")
            self.force_close()
            return
        self._body_timer = self._loop.call_at(self._body_seen + idle, self._check_body)

    def _stop_timers(self) -> None:
        for timer in (self._header_timer, self._body_timer):
            if timer is not None:
                timer.cancel()
        self._header_timer = self._body_timer = None
        self._body = None

    def _peer(self) -> str:
        peer = self.transport.get_extra_info("peername") if self.transport is not None else None
        return str(peer[0]) if isinstance(peer, tuple) else "?"
