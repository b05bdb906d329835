"""GET and HEAD of plain objects: streamed through chunk by chunk, never held whole in memory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, Mapping

from aiohttp import web
from multidict import CIMultiDict

from proxy.auth import Identity
from proxy.errors import OssError
from proxy.front.dialect import CRC64_META, OSS_CRC64, oss_conditions, oss_etag, oss_object_headers, oss_signed
from proxy.front.errors import stamp
from proxy.front.relay import can_relay, relay_body
from proxy.httpdate import http_date
from proxy.upstream.interface import Upstream
from proxy.upstream.objects import Conditions, ObjectMeta

log = logging.getLogger("osprey.front")

# `?response-content-type=…` and friends: a signed GET names the headers it wants back.
_OVERRIDES = {f"response-{name.lower()}": name for name in (
    "Content-Type", "Content-Language", "Expires", "Cache-Control", "Content-Disposition", "Content-Encoding",
)}


def refuse_unsigned_overrides(query: Mapping[str, str], identity: Identity | None) -> None:
    """S3's rule: only a signed read may name its response headers, else anyone could make a public GIF serve as
    HTML for a year from every shared cache (stored XSS). Any spelling counts; so does one the signature skips."""
    unsigned = query if identity is None else identity.unsigned_query
    named = sorted(name for name in unsigned if name.lower() in _OVERRIDES)
    if not named:
        return
    if identity is None:
        raise OssError(400, "InvalidRequest", "Request specific response headers cannot be used for anonymous "
                       "GET requests.")
    raise OssError(400, "InvalidRequest", f"The signature does not cover {', '.join(named)}: response headers "
                   "may only be named by a signed request.")


def apply_overrides(headers: CIMultiDict[str], query: Mapping[str, str]) -> None:
    """The headers a signed read's `response-*` parameters ask for, over the ones it would get."""
    for param, value in query.items():
        if param in _OVERRIDES:
            headers[_OVERRIDES[param]] = value


def conditions_from(request: web.Request, with_range: bool = True) -> Conditions:
    h = request.headers
    return Conditions(
        range=h.get("Range") if with_range else None,
        if_none_match=h.get("If-None-Match"),
        if_modified_since=h.get("If-Modified-Since"),
        if_match=h.get("If-Match"),
        if_unmodified_since=h.get("If-Unmodified-Since"),
        checksum_mode=h.get("x-amz-checksum-mode", "").upper() == "ENABLED",
    )


def object_headers(meta: ObjectMeta, query: Mapping[str, str] | None = None, oss: bool = False) -> CIMultiDict[str]:
    """The upstream's validators, type, user metadata and what it says about the object, in S3 and OSS spelling
    (`oss`: an OSS-signed read, whose ETag OSS writes in upper case), then the query's overrides."""
    headers = CIMultiDict({
        "Content-Type": meta.content_type,
        "ETag": oss_etag(meta.etag) if oss else meta.etag,
        "Last-Modified": http_date(meta.last_modified),
        "Accept-Ranges": "bytes",
        **meta.headers,
        **oss_object_headers(meta.headers, meta.etag),
    })
    for name, value in meta.metadata.items():
        if name == CRC64_META:
            headers[OSS_CRC64] = value  # the whole object's, on a ranged read too, as OSS gives it
            continue
        headers[f"x-amz-meta-{name}"] = value
        headers[f"x-oss-meta-{name}"] = value
    apply_overrides(headers, query or {})
    return headers


async def head_object(request: web.Request, upstream: Upstream, bucket: str, key: str,
                      query: Mapping[str, str]) -> web.Response:
    oss = _oss_signed(request)
    conditions = conditions_from(request, with_range=False)
    meta = await upstream.head(bucket, key, oss_conditions(conditions) if oss else conditions)
    headers = object_headers(meta, query, oss)
    headers["Content-Length"] = str(meta.size)
    return web.Response(status=200, headers=headers)


async def stream_object(request: web.Request, upstream: Upstream, bucket: str, key: str,
                        query: Mapping[str, str], relay_timeout: float | None = None) -> web.StreamResponse:
    """A plain GET: the upstream's answer streamed through, or relayed socket to socket when both ends
    allow it (`relay_timeout`: how long the upstream may stall mid-body)."""
    oss = _oss_signed(request)
    conditions = conditions_from(request)
    stream = await upstream.get(bucket, key, oss_conditions(conditions) if oss else conditions)
    try:
        response = web.StreamResponse(status=stream.status, headers=object_headers(stream.meta, query, oss))
        if stream.content_range:
            response.headers["Content-Range"] = stream.content_range
        response.content_length = stream.content_length
        if stream.socket is not None and can_relay(request):
            return await relay_body(request, response, stream.socket, stream.content_length, f"{bucket}/{key}",
                                    relay_timeout)
        return await send_body(request, response, stream.body, f"{bucket}/{key}")
    finally:
        await stream.aclose()


def _oss_signed(request: web.Request) -> bool:
    return oss_signed(request.headers.get("Authorization", ""), request.rel_url.query)


async def send_body(request: web.Request, response: web.StreamResponse, body: AsyncIterable[bytes],
                    what: str) -> web.StreamResponse:
    """Send the headers, then the upstream's body chunk by chunk."""
    stamp(request, response)
    await response.prepare(request)
    try:
        async for chunk in body:
            await response.write(chunk)
    except Exception:
        # Headers are gone already: all that is left is to cut the connection so the client
        # sees a short body instead of a silently truncated object.
        log.exception("upstream stream for %s broke mid-body", what)
        if request.transport is not None:
            request.transport.close()
        return response
    await response.write_eof()
    return response
