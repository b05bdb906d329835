"""Request handlers; each reads like the request flow in docs/architecture.md: address → policy → route."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from aiohttp import web
from aiohttp.typedefs import Handler

from proxy.auth import Identity
from proxy.errors import OssError, bad_request
from proxy.front.addressing import Address, resolve_address, split_style
from proxy.front.cors import forget_rules, mark_cross_origin, preflight
from proxy.front.dialect import oss_caller
from proxy.front.jobs import Job, plan
from proxy.front.negotiate import negotiable, negotiate
from proxy.front.objects import head_object, refuse_unsigned_overrides, stream_object
from proxy.front.observe import PROCESS_OBJECT, PROCESS_TASK
from proxy.front.passthrough import AUTH_PARAMS, forward, no_live_channels
from proxy.front.policy import (
    authorize,
    authorize_chain,
    authorize_headers,
    authorize_source,
    identify,
    is_signed,
    process_caller,
    refusals_explained,
)
from proxy.front.processing import parse_request_chain, process_object
from proxy.front.query import PROCESS, parse_query
from proxy.front.readiness import READINESS
from proxy.front.saveas import save_as
from proxy.front.services import Services, services
from proxy.trace import Trace, current_trace, timed
from proxy.upstream.operations import LIST_LIVE_CHANNELS, operation, refuse_oss_features

S3_METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE"})
READS = frozenset({"GET", "HEAD"})
# Sub-resources that turn a GET or HEAD of an object into another call (a version, a part, its ACL…); any
# other parameter (`?v=2` cache busters, `X-Oss-Process` in the wrong case) is ignored, as S3 and OSS do.
_OTHER_READS = frozenset({
    "uploadId", "versionId", "partNumber", "acl", "tagging", "attributes", "retention", "legal-hold", "torrent",
    "objectMeta", "symlink",
})


async def handle(request: web.Request) -> web.StreamResponse:
    """Every object-API call: address → signature → plain or processed read, save-as, or pass-through."""
    svc = services(request)
    method = request.method
    url = request.rel_url
    memo_key = None
    if "Origin" in request.headers and method != "OPTIONS":
        await mark_cross_origin(request, svc)
    if method in READS and "Authorization" not in request.headers:
        # An anonymous read resolves the same way every time its URL comes back: a cache hit skips it all.
        memo_key = (method, request.host, url.raw_path, url.raw_query_string)
        read = svc.anonymous_reads.get(memo_key)
        if read is not None:
            return await serve_read(request, svc, read)
    if method not in S3_METHODS:
        if method == "OPTIONS":
            return await preflight(request, svc)
        raise OssError(405, "MethodNotAllowed", f"{method} is not part of the object API.")
    address = resolve_address(request.host, url.raw_path, svc.config.server)
    trace = current_trace()
    trace.bucket, trace.key = address.bucket, address.key
    if "\x00" in address.key:
        raise bad_request("Object keys cannot contain NUL bytes.")
    query = parse_query(url.raw_query_string)
    identity = None
    if is_signed(request, query):
        memo_key = None
        with timed(svc.metrics, "auth"):
            identity = identify(request, address, svc.credentials)
    if method in READS:
        refuse_unsigned_overrides(query, identity)  # before the memo: a remembered read never carries one
    refuse_oss_features(method, address.key, [*query, *(name.lower() for name in request.headers)],
                        oss_caller(identity))
    if address.key and method in READS and _plain_read(query, method):
        read = resolve_read(svc, method, address, identity, query, trace)
        if memo_key is not None:
            svc.anonymous_reads.remember(memo_key, read)
        return await serve_read(request, svc, read)
    if address.key and method == "POST" and PROCESS in query:
        trace.operation = PROCESS_TASK
        return await save_as(request, svc, address, identity)
    copy = any(name in request.headers for name in ("x-amz-copy-source", "x-oss-copy-source"))
    name = operation(method, address.bucket, address.key, [n for n in query if n not in AUTH_PARAMS], copy)
    trace.operation = name
    authorize(identity, address.bucket, svc.config.bucket(address.bucket), name)
    authorize_headers(identity, request.headers)
    if name == LIST_LIVE_CHANNELS:
        return await no_live_channels(svc.upstream, address.bucket, query)
    answer = await forward(request, svc.upstream, address, identity, name)
    if "cors" in query and method != "GET":
        forget_rules(svc, address.bucket)
    return answer


@dataclass(frozen=True, slots=True)
class Read:
    """What a GET or HEAD of an object resolved to before any I/O: its checks passed, its chain planned."""

    bucket: str
    key: str
    operation: str
    query: Mapping[str, str]
    job: Job | None = None  # None for a plain read
    negotiable: bool = False  # the output format follows the Accept header


def resolve_read(svc: Services, method: str, address: Address, identity: Identity | None,
                 query: Mapping[str, str], trace: Trace) -> Read:
    """Style, policy and chain checks of a read: every object a chain reads passes the checks the object asked
    for passes."""
    settings = svc.config.bucket(address.bucket)
    key, style = split_style(address.key, settings.style_delimiters, settings.styles)
    # `trace` learns what the request is as soon as it is known, so a refusal is logged and counted under the
    # right operation.
    trace.key, trace.operation = key, "HeadObject" if method == "HEAD" else "GetObject"
    caller = process_caller(identity, svc.config.server.trust_unsigned_process) if PROCESS in query else identity
    uses_style = style is not None or query.get(PROCESS, "").startswith("style/")
    with refusals_explained(identity, caller):
        authorize(caller, address.bucket, settings, trace.operation)
        authorize_source(caller, (key,), settings, uses_style)
        if PROCESS not in query and style is None:
            return Read(address.bucket, key, trace.operation, query)
        trace.operation = PROCESS_OBJECT
        chain = parse_request_chain(query.get(PROCESS, ""), style, address.bucket, settings,
                                    svc.config.limits.max_chain)
        authorize_chain(caller, chain)
        job = plan(address.bucket, key, chain)
        authorize_source(caller, job.extra_keys, settings, uses_style)
    return Read(address.bucket, key, PROCESS_OBJECT, query, job, negotiable(chain, settings.auto_format))


async def serve_read(request: web.Request, svc: Services, read: Read) -> web.StreamResponse:
    """A resolved GET or HEAD: the object as stored, or processed (in the negotiated format)."""
    trace = current_trace()
    trace.bucket, trace.key, trace.operation = read.bucket, read.key, read.operation
    job = read.job
    if job is None:
        if request.method == "HEAD":
            return await head_object(request, svc.upstream, read.bucket, read.key, read.query)
        return await stream_object(request, svc.upstream, read.bucket, read.key, read.query,
                                   svc.config.upstream.read_timeout_s)
    if read.negotiable:
        formats = svc.config.bucket(read.bucket).auto_format
        job = replace(job, chain=negotiate(job.chain, request.headers.get("Accept", ""), formats))
    trace.process = job.chain.canonical()
    return await process_object(request, svc, job, read.query, vary_accept=read.negotiable)


def _plain_read(query: Mapping[str, str], method: str) -> bool:
    """Reads that name no sub-resource take the streaming (or processing) path; so does HEAD `?objectMeta`,
    whose answer is a HEAD's, and whose missing bucket only that path tells from a missing key."""
    others = _OTHER_READS.intersection(query)
    return not others or (method == "HEAD" and others == {"objectMeta"})


def reading_only(handler: Handler) -> Handler:
    """A reserved page answers GET and HEAD; any other method is refused as the object API refuses it."""

    async def read(request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "HEAD"):
            raise OssError(405, "MethodNotAllowed", f"{request.path} answers GET and HEAD only.")
        return await handler(request)

    return read


async def healthz(request: web.Request) -> web.Response:
    """Alive: the event loop answers."""
    current_trace().operation = "Healthz"
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready: not shutting down, and the upstream answered (within the last couple of seconds)."""
    current_trace().operation = "Readyz"
    problem = await request.app[READINESS].problem()
    if problem is not None:
        return web.json_response({"status": "unavailable", "reason": problem}, status=503)
    return web.json_response({"status": "ready"})
