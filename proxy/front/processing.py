"""GET and HEAD with `x-oss-process`: parse first (400 before any fetch), fetch, process, respond."""

from __future__ import annotations

import hashlib

from aiohttp import web

from proxy.config import BucketConfig
from proxy.errors import OssError
from proxy.front.objects import conditions_from
from proxy.front.services import Services
from proxy.process.grammar import Chain, parse_process
from proxy.process.runner import run_chain
from proxy.upstream.base import ObjectMeta, http_date
from proxy.upstream.conditional import Preconditions


def parse_request_chain(process: str, style: str | None, bucket: str, settings: BucketConfig,
                        max_actions: int) -> Chain:
    """The chain a request asks for, with `style/<name>` and delimiter styles expanded."""
    if style is None:
        if not process:
            raise OssError(400, "InvalidArgument", "x-oss-process is empty: give e.g. image/resize,w_100.")
        chain = parse_process(process, max_actions=max_actions)
        style = chain.style
        if style is None:
            return chain
    content = settings.styles.get(style)
    if content is None:
        raise OssError(404, "NoSuchStyle", f"The style {style!r} does not exist in bucket {bucket!r}.")
    chain = parse_process(content, max_actions=max_actions)
    if chain.style is not None:
        raise OssError(400, "InvalidArgument", f"The style {style!r} refers to another style.")
    return chain


def derived_etag(source_etag: str, chain: Chain) -> str:
    """A strong ETag that changes when the source or the canonical chain changes."""
    digest = hashlib.sha256(f"{source_etag}\n{chain.canonical()}".encode()).hexdigest()
    return f'"{digest[:32]}"'


async def process_object(request: web.Request, svc: Services, bucket: str, key: str,
                         chain: Chain) -> web.Response:
    limits = svc.config.limits
    meta, data = await svc.upstream.read(bucket, key, limits.max_source_bytes)
    etag = derived_etag(meta.etag, chain)
    # The rendition's own validators decide 304/412, before any processing.
    Preconditions.parse(conditions_from(request, with_range=False)).check(
        ObjectMeta(meta.size, etag, meta.last_modified)
    )
    output = await svc.pool.run(run_chain, chain, data, meta.content_type, limits)
    headers = {
        "Content-Type": output.media_type,
        "ETag": etag,
        "Last-Modified": http_date(meta.last_modified),
        "Cache-Control": svc.config.server.cache_control,
    }
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(output.body))
        return web.Response(status=200, headers=headers)
    return web.Response(status=200, body=output.body, headers=headers)
