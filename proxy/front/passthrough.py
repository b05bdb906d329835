"""Everything that is not processing: the client's S3 or OSS call, re-addressed to the upstream and relayed
back, both bodies streamed (only the small XML answers OSS clients get are reshaped, in memory)."""

from __future__ import annotations

from aiohttp import web

from proxy.auth import Identity
from proxy.front.addressing import Address
from proxy.front.flavour import MAX_DOCUMENT_BYTES, client_headers, oss_document, upstream_headers
from proxy.front.objects import send_body
from proxy.front.query import query_pairs
from proxy.front.uploads import request_body
from proxy.upstream.errors import upstream_bad_gateway
from proxy.upstream.forwarding import ForwardRequest, ForwardResponse
from proxy.upstream.interface import Upstream
from proxy.upstream.operations import LIST_PARAMS

# The client's own signature: checked by Osprey, meaningless to the upstream.
AUTH_PARAMS = frozenset({
    "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
    "X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Content-Sha256",
    "AWSAccessKeyId", "OSSAccessKeyId", "Expires", "Signature", "security-token",
    "x-oss-signature-version", "x-oss-credential", "x-oss-date", "x-oss-expires", "x-oss-signature",
    "x-oss-additional-headers", "x-oss-security-token",
})
# List options an empty value switches off; OSS SDKs send them all (`continuation-token=`), and S3 would
# take an empty token for a bad one.
_EMPTY_MEANS_ABSENT = LIST_PARAMS | {"key-marker", "upload-id-marker", "part-number-marker", "max-uploads",
                                     "max-parts"}
_WITH_BODY = frozenset({"PUT", "POST"})
_OBJECT_READS = frozenset({"GetObject", "HeadObject"})  # their bodies are the client's data, never reshaped


async def forward(request: web.Request, upstream: Upstream, address: Address, identity: Identity | None,
                  operation: str) -> web.StreamResponse:
    """Carry out `operation` upstream and relay its answer."""
    body, length = await request_body(request, identity) if request.method in _WITH_BODY else (None, 0)
    decoded = identity is not None and identity.content_sha256.startswith("STREAMING-")
    call = ForwardRequest(
        method=request.method, bucket=address.bucket, key=address.key,
        query=tuple(
            (name, value) for name, value in query_pairs(request.rel_url.raw_query_string)
            if name not in AUTH_PARAMS and (value or name not in _EMPTY_MEANS_ABSENT)
        ),
        headers=upstream_headers(request.headers.items(), decoded, identity), body=body, content_length=length,
    )
    answer = await upstream.forward(call)
    try:
        if _reshaped_for_oss(request, identity, operation, answer):
            return await _relay_reshaped(answer, request.host)
        return await _relay(request, answer, f"{operation} {address.bucket}/{address.key}")
    finally:
        await answer.aclose()


async def _relay(request: web.Request, answer: ForwardResponse, what: str) -> web.StreamResponse:
    headers = client_headers(answer.headers)
    if request.method == "HEAD":
        if answer.content_length is not None:
            headers["Content-Length"] = str(answer.content_length)
        return web.Response(status=answer.status, headers=headers)
    response = web.StreamResponse(status=answer.status, headers=headers)
    if answer.content_length is not None:
        response.content_length = answer.content_length
    return await send_body(request, response, answer.body, what)


def _reshaped_for_oss(request: web.Request, identity: Identity | None, operation: str,
                      answer: ForwardResponse) -> bool:
    return (
        identity is not None and identity.scheme.startswith("oss") and request.method != "HEAD"
        and operation not in _OBJECT_READS and "xml" in answer.headers.get("content-type", "")
    )


async def _relay_reshaped(answer: ForwardResponse, endpoint: str) -> web.Response:
    """A small XML answer, read whole and rewritten in OSS's shape."""
    body = bytearray()
    async for chunk in answer.body:
        body += chunk
        if len(body) > MAX_DOCUMENT_BYTES:
            raise upstream_bad_gateway(f"an XML answer of more than {MAX_DOCUMENT_BYTES} bytes, too large to reshape")
    document, extra = oss_document(bytes(body), endpoint)
    headers = {**extra, **client_headers(answer.headers), "content-type": "application/xml"}
    return web.Response(status=answer.status, body=document, headers=headers)
