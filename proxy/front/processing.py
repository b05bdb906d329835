"""GET and HEAD with `x-oss-process`: parse first (400 before any fetch), fetch, process, respond."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from proxy.config import BucketConfig
from proxy.errors import OssError
from proxy.front.objects import conditions_from
from proxy.front.services import Services
from proxy.process.doc.source import with_key_type
from proxy.process.grammar import Chain, parse_process
from proxy.process.registry import Output
from proxy.process.runner import needed_objects, run_chain
from proxy.upstream.base import Conditions, ObjectMeta, Upstream, http_date
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


def derived_etag(source_etag: str, chain: Chain, resource_etags: Sequence[str] = ()) -> str:
    """A strong ETag that changes when the source, the canonical chain or a watermark image changes."""
    text = "\n".join([source_etag, chain.canonical(), *resource_etags])
    return f'"{hashlib.sha256(text.encode()).hexdigest()[:32]}"'


async def fetch_resources(upstream: Upstream, bucket: str, keys: Sequence[str],
                          max_bytes: int) -> tuple[dict[str, bytes], tuple[str, ...]]:
    """The other objects a chain reads (watermark images), fetched together, and their ETags.

    A missing one is left out, so the action answers with its own error code (EC 0040-00000025).
    """
    results = await asyncio.gather(
        *(_read_if_exists(upstream, bucket, key, max_bytes) for key in keys), return_exceptions=True,
    )
    for result in results:
        if isinstance(result, BaseException):
            raise result
    found = {key: result for key, result in zip(keys, results, strict=True) if result is not None}
    return {key: data for key, (_meta, data) in found.items()}, tuple(meta.etag for meta, _data in found.values())


async def _read_if_exists(upstream: Upstream, bucket: str, key: str,
                          max_bytes: int) -> tuple[ObjectMeta, bytes] | None:
    try:
        return await upstream.read(bucket, key, max_bytes)
    except OssError as err:
        if err.code == "NoSuchKey":
            return None
        raise


@dataclass(frozen=True)
class Rendition:
    """A chain's output and the validators it is served with."""

    output: Output
    etag: str
    last_modified: datetime


async def render(svc: Services, bucket: str, key: str, chain: Chain,
                 conditions: Conditions | None = None) -> Rendition:
    """Fetch the source and the objects the chain reads, and run the chain on the worker pool.

    `conditions` are judged against the rendition's own validators before any processing (304/412).
    """
    limits = svc.config.limits
    chain = with_key_type(chain, key)  # doc/ steps read the key's extension unless source_ names a type
    extra_keys = needed_objects(chain)
    meta, data = await svc.upstream.read(bucket, key, limits.max_source_bytes)
    resources, resource_etags = await fetch_resources(svc.upstream, bucket, extra_keys, limits.max_source_bytes)
    etag = derived_etag(meta.etag, chain, resource_etags)
    if conditions is not None:
        Preconditions.parse(conditions).check(ObjectMeta(meta.size, etag, meta.last_modified))
    output = await svc.pool.run(run_chain, chain, data, meta.content_type, limits, resources)
    return Rendition(output, etag, meta.last_modified)


async def process_object(request: web.Request, svc: Services, bucket: str, key: str,
                         chain: Chain) -> web.Response:
    rendition = await render(svc, bucket, key, chain, conditions_from(request, with_range=False))
    output = rendition.output
    headers = {
        "Content-Type": output.media_type,
        "ETag": rendition.etag,
        "Last-Modified": http_date(rendition.last_modified),
        "Cache-Control": svc.config.server.cache_control,
    }
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(output.body))
        return web.Response(status=200, headers=headers)
    return web.Response(status=200, body=output.body, headers=headers)
