"""Browsers' cross-origin calls: preflights answered from the bucket's CORS rules, and `Access-Control-*` on the
answers of requests that carry an `Origin`."""

from __future__ import annotations

from aiohttp import web

from proxy.cors import CorsRule, allowed_headers, matching_rule, preflight_headers, requested_headers
from proxy.errors import OssError
from proxy.front.addressing import resolve_address
from proxy.front.services import Services
from proxy.trace import current_trace

CORS_HEADERS = web.RequestKey("cors_headers", dict)
PREFLIGHT = "PreflightCors"  # operation label of an OPTIONS request
_NOT_ENABLED = "CORSResponse: CORS is not enabled for this bucket."
_NOT_ALLOWED = ("CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
                "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
                "whitelisted by the resource's CORS spec.")


async def bucket_rules(svc: Services, bucket: str) -> tuple[CorsRule, ...]:
    """`buckets.<name>.cors` when set, else the bucket's own configuration upstream (none when it cannot be read)."""
    configured = svc.config.bucket(bucket).cors
    if configured:
        return configured
    rules = svc.cors_rules.get(bucket)
    if rules is None:
        # Browsers send bursts (a preflight, then the call, for each of a page's images): one fetch answers them.
        rules, _ = await svc.flights.run(("cors", bucket), lambda: _fetch_rules(svc, bucket))
    return rules


async def _fetch_rules(svc: Services, bucket: str) -> tuple[CorsRule, ...]:
    try:
        rules = await svc.upstream.cors_rules(bucket)
    except OssError as err:
        if err.status >= 500:
            return ()  # the store is failing: this request gets no grant, the next one asks again
        rules = ()  # a missing bucket or a refusal allows nothing, and a preflight says no more than that
    svc.cors_rules[bucket] = rules
    return rules


def forget_rules(svc: Services, bucket: str) -> None:
    """A `PutBucketCors` or `DeleteBucketCors` through Osprey takes effect on the next request."""
    svc.cors_rules.pop(bucket, None)


async def mark_cross_origin(request: web.Request, svc: Services) -> None:
    """Remember the `Access-Control-*` headers this request's answer gets (whatever that answer turns out to be);
    `Vary: Origin` alone when no rule allows it, so a cache never serves one origin's answer to another."""
    headers = {"Vary": "Origin"}
    try:
        bucket = resolve_address(request.host, request.rel_url.raw_path, svc.config.server).bucket
    except OssError:
        bucket = ""  # the request fails on its own account; its answer names no bucket's rules
    if bucket:
        rule = matching_rule(await bucket_rules(svc, bucket), request.headers["Origin"], request.method)
        if rule is not None:
            headers.update(allowed_headers(rule, request.headers["Origin"]))
    request[CORS_HEADERS] = headers


def add_cross_origin(response: web.StreamResponse, headers: dict[str, str]) -> None:
    """Put the remembered headers on an answer, keeping any `Vary` it already has (`Accept`)."""
    out = response.headers
    for name, value in headers.items():
        if name != "Vary":
            out[name] = value
    vary = out.get("Vary")
    out["Vary"] = headers["Vary"] if not vary else vary if "origin" in vary.lower() else f"{vary}, {headers['Vary']}"


async def preflight(request: web.Request, svc: Services) -> web.Response:
    """`OPTIONS`: 200 with the grant of the first rule admitting origin, method and headers, else 403 as S3
    answers. Never signed, so it says nothing about the bucket beyond its rules."""
    current_trace().operation = PREFLIGHT
    origin = request.headers.get("Origin")
    if not origin:
        raise OssError(400, "BadRequest", "Insufficient information. Origin request header needed.")
    method = request.headers.get("Access-Control-Request-Method")
    if not method:
        raise OssError(400, "BadRequest", "Invalid Access-Control-Request-Method: null")
    try:
        bucket = resolve_address(request.host, request.rel_url.raw_path, svc.config.server).bucket
    except OssError:
        bucket = ""
    rules = await bucket_rules(svc, bucket) if bucket else ()
    if not rules:
        raise OssError(403, "AccessForbidden", _NOT_ENABLED, extra={"Method": method})
    wanted = requested_headers(request.headers.get("Access-Control-Request-Headers", ""))
    rule = matching_rule(rules, origin, method, wanted)
    if rule is None:
        raise OssError(403, "AccessForbidden", _NOT_ALLOWED, extra={"Method": method})
    return web.Response(headers=preflight_headers(rule, origin, wanted))
