"""GET and HEAD with `x-oss-process`: parse first (400 before any fetch), fetch, process, respond."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from functools import lru_cache

from aiohttp import web
from multidict import CIMultiDict

from proxy.config import BucketConfig
from proxy.errors import OssError
from proxy.front.jobs import Job
from proxy.front.objects import apply_overrides, conditions_from
from proxy.front.ranged import reads_in_part, run_on_ranges
from proxy.front.services import Rendition, Services
from proxy.grammar.chain import Chain, parse_process
from proxy.grammar.oss import OSS
from proxy.httpdate import http_date
from proxy.process.cost import job_cost
from proxy.process.output import Output
from proxy.process.runner import max_source_bytes, run_chain
from proxy.trace import count_cache, count_processed, timed
from proxy.upstream.conditional import Preconditions
from proxy.upstream.errors import changed_while_read
from proxy.upstream.interface import read_capped
from proxy.upstream.objects import Conditions, ObjectMeta


def parse_request_chain(process: str, style: str | None, bucket: str, settings: BucketConfig,
                        max_actions: int) -> Chain:
    """The chain a request asks for, with `style/<name>` and delimiter styles expanded."""
    if style is None:
        if not process:
            raise OssError(400, "InvalidArgument", "x-oss-process is empty: give e.g. image/resize,w_100.")
        chain = parse_process(process, OSS, max_actions=max_actions)
        style = chain.style
        if style is None:
            return chain
    content = settings.styles.get(style)
    if content is None:
        raise OssError(404, "NoSuchStyle", f"The style {style!r} does not exist in bucket {bucket!r}.")
    chain = parse_process(content, OSS, max_actions=max_actions)
    if chain.style is not None:
        raise OssError(400, "InvalidArgument", f"The style {style!r} refers to another style.")
    return chain


@lru_cache(maxsize=4096)  # every hit derives it; a popular rendition derives the same one each time
def derived_etag(source_etag: str, canonical: str, resource_etags: tuple[str, ...] = ()) -> str:
    """A strong ETag that changes when the source, the canonical chain or a watermark image changes."""
    text = "\n".join([source_etag, canonical, *resource_etags])
    return f'"{hashlib.sha256(text.encode()).hexdigest()[:32]}"'


async def current_meta(svc: Services, bucket: str, key: str) -> ObjectMeta:
    """The object's metadata as the upstream has it now (one HEAD that started after this request arrived), or
    as trusted for `revalidate_after_s`."""
    known = svc.known
    if known is not None:
        try:  # one lookup (an expired entry is missing too)
            return known[(bucket, key)]
        except KeyError:
            pass
    # Concurrent requests for one object share this HEAD (SharedHeads), so a popular object costs a remote
    # upstream one HEAD per round trip rather than one per request.
    meta = await svc.upstream.head(bucket, key)
    if known is not None:
        known[(bucket, key)] = meta
    return meta


async def _meta_if_exists(svc: Services, bucket: str, key: str) -> ObjectMeta | None:
    try:
        return await current_meta(svc, bucket, key)
    except OssError as err:
        if err.code == "NoSuchKey":
            return None
        raise


async def read_source(svc: Services, bucket: str, key: str, meta: ObjectMeta, max_bytes: int) -> bytes:
    """The object's bytes for `meta.etag`, from the source cache or the upstream (size-capped)."""
    cached = svc.sources.get((bucket, key, meta.etag))
    if cached is not None:
        return cached
    fresh, data = await read_capped(svc.upstream, bucket, key, max_bytes)
    svc.sources.put((bucket, key, fresh.etag), data)
    if fresh.etag != meta.etag:
        # Overwritten between the HEAD and the GET: the caller's key no longer names these bytes.
        raise changed_while_read(key)
    return data


async def render(svc: Services, job: Job, conditions: Conditions | None = None) -> Rendition:
    """The rendition of the job: validators first, then the cache, then one computation that identical
    concurrent misses share."""
    bucket, key, chain = job.bucket, job.key, job.chain
    if job.extra_keys:
        meta, *extra_metas = await asyncio.gather(
            current_meta(svc, bucket, key), *(_meta_if_exists(svc, bucket, k) for k in job.extra_keys)
        )
        resources = {k: m for k, m in zip(job.extra_keys, extra_metas, strict=True) if m is not None}
        etag = derived_etag(meta.etag, chain.canonical(), tuple(m.etag for m in resources.values()))
    else:  # the common case, without gather's tasks
        meta, resources = await current_meta(svc, bucket, key), {}
        etag = derived_etag(meta.etag, chain.canonical())
    # The ETag comes from the current source ETag (a HEAD, no body), so `conditions` answer 304/412 and a
    # cache hit is served before any body is fetched.
    if conditions:
        Preconditions.parse(conditions).check(ObjectMeta(meta.size, etag, meta.last_modified))
    cache_key = (bucket, key, etag)
    hit = svc.renditions.get(cache_key)
    if hit is not None:
        count_cache(svc.metrics, "hit")
        return hit

    async def compute() -> Rendition:
        output = await svc.shared.get(bucket, key, etag) if svc.shared else None
        if output is None:
            output = await process(svc, job, meta, resources)
            count_processed(svc.metrics, chain, output)
            if svc.shared is not None:
                await svc.shared.put(bucket, key, etag, output)
        rendition = Rendition(output, etag, meta.last_modified)
        svc.renditions.put(cache_key, rendition)
        return rendition

    rendition, coalesced = await svc.flights.run(cache_key, compute)
    count_cache(svc.metrics, "coalesced" if coalesced else "miss")
    return rendition


async def process(svc: Services, job: Job, meta: ObjectMeta, resources: dict[str, ObjectMeta]) -> Output:
    """Fetch what the job's chain reads (a large video by ranges, else the whole source, as of `meta`) and run
    it in a worker."""
    bucket, key, chain, limits = job.bucket, job.key, job.chain, svc.config.limits
    extra = [read_source(svc, bucket, k, m, limits.max_source_bytes) for k, m in resources.items()]
    if reads_in_part(svc, job, meta):
        with timed(svc.metrics, "fetch"):
            needed = dict(zip(resources, await asyncio.gather(*extra), strict=True))
        output = await run_on_ranges(svc, job, meta, needed)
        if output is not None:
            return output
        with timed(svc.metrics, "fetch"):
            data = await read_source(svc, bucket, key, meta, max_source_bytes(chain, limits))
    else:
        with timed(svc.metrics, "fetch"):
            data, *fetched = await asyncio.gather(
                read_source(svc, bucket, key, meta, max_source_bytes(chain, limits)), *extra
            )
        needed = dict(zip(resources, fetched, strict=True))
    heavy = job_cost(chain, data) >= limits.heavy_cost
    return await svc.pool.run(run_chain, chain, data, meta.content_type, limits, needed, heavy=heavy)


async def process_object(request: web.Request, svc: Services, job: Job, query: Mapping[str, str],
                         vary_accept: bool = False) -> web.Response:
    """A processed read's answer: a 304 from the validators alone, else the rendition with the `response-*`
    headers a signed request named."""
    caching = {"Cache-Control": svc.config.server.cache_control}
    if vary_accept:
        caching["Vary"] = "Accept"
    try:
        rendition = await render(svc, job, conditions_from(request, with_range=False))
    except OssError as err:
        if err.status != 304:
            raise
        # RFC 9110 §15.4.5: a 304 carries the validators, Cache-Control and Vary the 200 would have.
        return web.Response(status=304, headers={**err.extra, **caching})
    output = rendition.output
    headers = CIMultiDict({
        "Content-Type": output.media_type,
        "ETag": rendition.etag,
        "Last-Modified": http_date(rendition.last_modified),
        **caching,
    })
    apply_overrides(headers, query)
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(output.body))
        return web.Response(status=200, headers=headers)
    return web.Response(status=200, body=output.body, headers=headers)
