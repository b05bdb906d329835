"""Request handlers; each reads like the request flow in DESIGN.md: address → policy → route."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from proxy.auth import Identity
from proxy.errors import OssError, bad_request
from proxy.front.addressing import Address, resolve_address, split_style
from proxy.front.negotiate import negotiable, negotiate
from proxy.front.objects import head_object, stream_object
from proxy.front.observe import PROCESS_OBJECT, PROCESS_TASK, trace_of
from proxy.front.passthrough import AUTH_PARAMS, forward
from proxy.front.policy import authorize, authorize_chain, authorize_source, identify, is_signed
from proxy.front.processing import parse_request_chain, process_object
from proxy.front.query import parse_query
from proxy.front.readiness import READINESS
from proxy.front.saveas import save_as
from proxy.front.services import Services, services
from proxy.trace import timed
from proxy.upstream.operations import operation

PROCESS = "x-oss-process"
S3_METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE"})
# Sub-resources that turn a GET or HEAD of an object into another call (a version, a part, its ACL…); any
# other parameter (`?v=2` cache busters, `X-Oss-Process` in the wrong case) is ignored, as S3 and OSS do.
_OTHER_READS = frozenset({
    "uploadId", "versionId", "partNumber", "acl", "tagging", "attributes", "retention", "legal-hold", "torrent",
    "objectMeta", "symlink",
})


async def handle(request: web.Request) -> web.StreamResponse:
    """Every object-API call: address → signature → plain or processed read, save-as, or pass-through."""
    svc = services(request)
    if request.method not in S3_METHODS:
        raise OssError(405, "MethodNotAllowed", f"{request.method} is not part of the object API.")
    address = resolve_address(request.host, request.rel_url.raw_path, svc.config.server)
    trace = trace_of(request)
    trace.bucket, trace.key = address.bucket, address.key
    if "\x00" in address.key:
        raise bad_request("Object keys cannot contain NUL bytes.")
    query = parse_query(request.rel_url.raw_query_string)
    identity = None
    if is_signed(request, query):
        with timed(svc.metrics, "auth"):
            identity = identify(request, address, svc.credentials)
    if address.key and request.method in ("GET", "HEAD") and _plain_read(query):
        return await read_object(request, svc, address, identity, query)
    if address.key and request.method == "POST" and PROCESS in query:
        trace.operation = PROCESS_TASK
        return await save_as(request, svc, address, identity)
    copy = any(name in request.headers for name in ("x-amz-copy-source", "x-oss-copy-source"))
    name = operation(request.method, address.bucket, address.key, [n for n in query if n not in AUTH_PARAMS], copy)
    trace.operation = name
    authorize(identity, address.bucket, svc.config.bucket(address.bucket), name)
    return await forward(request, svc.upstream, address, identity, name)


async def read_object(request: web.Request, svc: Services, address: Address, identity: Identity | None,
                      query: Mapping[str, str]) -> web.StreamResponse:
    """GET / HEAD of an object, plain or processed."""
    settings = svc.config.bucket(address.bucket)
    key, style = split_style(address.key, settings.style_delimiters, settings.styles)
    trace = trace_of(request)
    trace.key, trace.operation = key, "HeadObject" if request.method == "HEAD" else "GetObject"
    authorize(identity, address.bucket, settings, trace.operation)
    authorize_source(identity, key, settings, style is not None or query.get(PROCESS, "").startswith("style/"))
    if PROCESS in query or style is not None:
        trace.operation = PROCESS_OBJECT
        chain = parse_request_chain(
            query.get(PROCESS, ""), style, address.bucket, settings, svc.config.limits.max_chain
        )
        authorize_chain(identity, chain)
        vary = negotiable(chain, settings.auto_format)
        if vary:
            chain = negotiate(chain, request.headers.get("Accept", ""), settings.auto_format)
        trace.process = chain.canonical()
        return await process_object(request, svc, address.bucket, key, chain, vary_accept=vary)
    if request.method == "HEAD":
        return await head_object(request, svc.upstream, address.bucket, key, query)
    return await stream_object(request, svc.upstream, address.bucket, key, query)


def _plain_read(query: Mapping[str, str]) -> bool:
    """Reads that name no sub-resource take the streaming (or processing) path."""
    return _OTHER_READS.isdisjoint(query)


async def healthz(request: web.Request) -> web.Response:
    """Alive: the event loop answers."""
    trace_of(request).operation = "Healthz"
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready: not shutting down, and the upstream answered (within the last couple of seconds)."""
    trace_of(request).operation = "Readyz"
    problem = await request.app[READINESS].problem()
    if problem is not None:
        return web.json_response({"status": "unavailable", "reason": problem}, status=503)
    return web.json_response({"status": "ready"})
