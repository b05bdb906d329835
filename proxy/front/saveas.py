"""POST `?x-oss-process` with sys/saveas: render the chain as a GET would, store the result upstream, and
answer OSS's JSON (saveas §5.2) byte for byte."""

from __future__ import annotations

from aiohttp import web

from proxy.auth import Identity
from proxy.errors import OssError
from proxy.front.addressing import Address
from proxy.front.jobs import plan
from proxy.front.policy import authorize
from proxy.front.processing import parse_request_chain, render
from proxy.front.services import Services
from proxy.front.uploads import request_body
from proxy.process import jsonbody
from proxy.process.saveas import parse_save_as
from proxy.trace import current_trace

MAX_BODY_BYTES = 64 * 1024


async def save_as(request: web.Request, svc: Services, address: Address, identity: Identity | None) -> web.Response:
    """Signed callers only: they need the right to process the source and to write the target."""
    settings = svc.config.bucket(address.bucket)
    authorize(identity, address.bucket, settings, "PostProcessTask")
    order = parse_save_as(await _body(request, identity))
    chain = parse_request_chain(order.process, None, address.bucket, settings, svc.config.limits.max_chain)
    current_trace().process = chain.canonical()
    target = order.bucket or address.bucket
    authorize(identity, target, svc.config.bucket(target), "PutObject")
    rendition = await render(svc, plan(address.bucket, address.key, chain))
    await svc.upstream.put(target, order.key, rendition.output.body, rendition.output.media_type)
    answer = {"bucket": order.bucket or "", "fileSize": len(rendition.output.body), "object": order.key,
              "status": "OK"}
    return web.Response(status=200, body=jsonbody.dumps(answer), headers={"Content-Type": jsonbody.MEDIA_TYPE})


async def _body(request: web.Request, identity: Identity | None) -> bytes:
    """The small form body, through the same checks as any upload (a signed payload hash, Content-MD5)."""
    chunks, length = await request_body(request, identity, MAX_BODY_BYTES)
    if length > MAX_BODY_BYTES:
        raise OssError(400, "InvalidRequest", f"A save-as body has at most {MAX_BODY_BYTES} bytes.")
    return b"".join([chunk async for chunk in chunks])
