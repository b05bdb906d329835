"""GET and HEAD of plain objects: streamed through chunk by chunk, never held whole in memory."""

from __future__ import annotations

import logging

from aiohttp import web

from proxy.upstream.base import Conditions, ObjectMeta, http_date

log = logging.getLogger("osprey.front")


def conditions_from(request: web.Request, with_range: bool = True) -> Conditions:
    h = request.headers
    return Conditions(
        range=h.get("Range") if with_range else None,
        if_none_match=h.get("If-None-Match"),
        if_modified_since=h.get("If-Modified-Since"),
        if_match=h.get("If-Match"),
        if_unmodified_since=h.get("If-Unmodified-Since"),
    )


def object_headers(meta: ObjectMeta) -> dict[str, str]:
    """The upstream's validators, type and user metadata, in both S3 and OSS spelling."""
    headers = {
        "Content-Type": meta.content_type,
        "ETag": meta.etag,
        "Last-Modified": http_date(meta.last_modified),
        "Accept-Ranges": "bytes",
        **meta.headers,
    }
    for name, value in meta.metadata.items():
        headers[f"x-amz-meta-{name}"] = value
        headers[f"x-oss-meta-{name}"] = value
    return headers


async def head_object(request: web.Request, upstream, bucket: str, key: str) -> web.Response:
    meta = await upstream.head(bucket, key, conditions_from(request, with_range=False))
    headers = object_headers(meta)
    headers["Content-Length"] = str(meta.size)
    return web.Response(status=200, headers=headers)


async def stream_object(request: web.Request, upstream, bucket: str, key: str) -> web.StreamResponse:
    stream = await upstream.get(bucket, key, conditions_from(request))
    try:
        response = web.StreamResponse(status=stream.status, headers=object_headers(stream.meta))
        if stream.content_range:
            response.headers["Content-Range"] = stream.content_range
        response.content_length = stream.content_length
        await response.prepare(request)
        try:
            async for chunk in stream.body:
                await response.write(chunk)
        except Exception:
            # Headers are gone already: all that is left is to cut the connection so the client
            # sees a short body instead of a silently truncated object.
            log.exception("upstream stream for %s/%s broke mid-body", bucket, key)
            if request.transport is not None:
                request.transport.close()
            return response
        await response.write_eof()
        return response
    finally:
        await stream.aclose()
