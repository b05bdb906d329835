"""Request handlers; each reads like the request flow in DESIGN.md: address → policy → route."""

from __future__ import annotations

from aiohttp import web

from proxy.errors import OssError, bad_request
from proxy.front.addressing import resolve_address, split_style
from proxy.front.objects import head_object, stream_object
from proxy.front.policy import authorize, identify
from proxy.front.processing import parse_request_chain, process_object
from proxy.front.query import parse_query
from proxy.front.services import services

PROCESS = "x-oss-process"


async def read_object(request: web.Request) -> web.StreamResponse:
    """GET / HEAD of an object, plain or processed."""
    svc = services(request)
    address = resolve_address(request.host, request.rel_url.raw_path, svc.config.server)
    if not address.bucket or not address.key:
        raise OssError(
            501, "NotImplemented",
            "Service- and bucket-level operations (listing) are not supported by this server yet.",
        )
    if "\x00" in address.key:
        raise bad_request("Object keys cannot contain NUL bytes.")
    query = parse_query(request.rel_url.raw_query_string)
    settings = svc.config.bucket(address.bucket)
    key, style = split_style(address.key, settings.style_delimiters, settings.styles)
    authorize(identify(request, address, svc.credentials), address.bucket, settings)
    if PROCESS in query or style is not None:
        chain = parse_request_chain(
            query.get(PROCESS, ""), style, address.bucket, settings, svc.config.limits.max_chain
        )
        return await process_object(request, svc, address.bucket, key, chain)
    if request.method == "HEAD":
        return await head_object(request, svc.upstream, address.bucket, key)
    return await stream_object(request, svc.upstream, address.bucket, key)


async def unsupported_method(request: web.Request) -> web.StreamResponse:
    raise OssError(
        405, "MethodNotAllowed",
        f"{request.method} is not supported by this server yet; only GET and HEAD of objects are.",
    )


async def healthz(request: web.Request) -> web.Response:
    """Alive: the event loop answers."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready: the upstream answers."""
    try:
        await services(request).upstream.ping()
    except OssError as err:
        return web.json_response({"status": "unavailable", "reason": err.message}, status=503)
    return web.json_response({"status": "ready"})
