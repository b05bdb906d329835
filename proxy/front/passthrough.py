"""Everything that is not processing: the client's S3 or OSS call, re-addressed to the upstream and relayed
back, both bodies streamed (only the small XML answers OSS clients get are reshaped, in memory)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

from aiohttp import web

from proxy.auth import Identity
from proxy.crc64 import Crc64
from proxy.errors import OssError, invalid_argument
from proxy.front.addressing import Address
from proxy.front.copy_range import close_copy_range
from proxy.front.dialect import (
    AMZ_META,
    CRC64_META,
    MAX_DOCUMENT_BYTES,
    OSS_CRC64,
    client_headers,
    live_channels_xml,
    oss_caller,
    oss_document,
    oss_list_query,
    oss_spelled_error,
    s3_part_etags,
    upstream_headers,
)
from proxy.front.objects import send_body
from proxy.front.query import query_pairs
from proxy.front.services import services
from proxy.front.uploads import request_body
from proxy.upstream.body import ChunkReader
from proxy.upstream.errors import upstream_bad_gateway
from proxy.upstream.forwarding import ForwardRequest, ForwardResponse
from proxy.upstream.interface import Upstream

# The client's own signature: checked by Osprey, meaningless to the upstream.
AUTH_PARAMS = frozenset({
    "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
    "X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Content-Sha256",
    "AWSAccessKeyId", "OSSAccessKeyId", "Expires", "Signature", "security-token",
    "x-oss-signature-version", "x-oss-credential", "x-oss-date", "x-oss-expires", "x-oss-signature",
    "x-oss-additional-headers", "x-oss-security-token", "x-oss-access-key-id",
})
# List options OSS SDKs send empty on a first page (`continuation-token=`, `part-number-marker=`) where S3 would
# take the empty value for a bad token or number; every other empty option reaches the upstream as given.
_OSS_EMPTY_MEANS_ABSENT = frozenset({"continuation-token", "max-keys", "max-uploads", "max-parts",
                                     "part-number-marker"})
# Uploads OSS stores as `application/octet-stream` when no type is given (S3 says `binary/octet-stream`).
_OSS_TYPED_WRITES = frozenset({"PutObject", "CreateMultipartUpload"})
_KEY_WRITES = frozenset({"PutObject", "CopyObject", "CreateMultipartUpload"})
MAX_OSS_KEY_BYTES = 1023
_WITH_BODY = frozenset({"PUT", "POST"})
_OBJECT_READS = frozenset({"GetObject", "HeadObject"})  # their bodies are the client's data, never reshaped
_CRC_WRITES = frozenset({"PutObject", "UploadPart"})  # answered with the body's x-oss-hash-crc64ecma, as OSS does


async def forward(request: web.Request, upstream: Upstream, address: Address, identity: Identity | None,
                  operation: str) -> web.StreamResponse:
    """Carry out `operation` upstream and relay its answer."""
    oss = oss_caller(identity)
    if oss and operation in _KEY_WRITES:
        _check_oss_key(address.key)
    query = [(name, value) for name, value in query_pairs(request.rel_url.raw_query_string)
             if name not in AUTH_PARAMS and (value or not oss or name not in _OSS_EMPTY_MEANS_ABSENT)]
    decoded = identity is not None and identity.content_sha256.startswith("STREAMING-")
    headers = upstream_headers(request.headers.items(), decoded, identity)
    if oss:
        query = oss_list_query(operation, query)
        if operation in _OSS_TYPED_WRITES:
            headers.setdefault("content-type", "application/octet-stream")
    if operation == "UploadPartCopy":
        await close_copy_range(upstream, headers)
    # OSS callers only: S3 clients neither read the CRC nor expect Osprey's metadata on their objects, and
    # their large PUTs stream without the extra pass.
    crc = Crc64() if oss and operation in _CRC_WRITES else None
    body, length = await request_body(request, identity, crc64=crc) if request.method in _WITH_BODY else (None, 0)
    if oss and operation == "CompleteMultipartUpload" and body is not None:
        body, length = await _with_s3_etags(body, headers)
    try:
        if operation == "PutObject" and body is not None and crc is not None:
            body = await _crc_kept(request, body, length, crc, headers)
        call = ForwardRequest(method=request.method, bucket=address.bucket, key=address.key, query=tuple(query),
                              headers=headers, body=body, content_length=length)
        answer = await upstream.forward(call)
    except OssError as err:
        if not oss:
            raise
        raise oss_spelled_error(err) from None
    try:
        if _reshaped_for_oss(request, oss, operation, answer):
            return await _relay_reshaped(answer, request.host)
        extra = {OSS_CRC64: str(crc.value)} if crc is not None else {}
        return await _relay(request, answer, f"{operation} {address.bucket}/{address.key}", oss, extra)
    finally:
        await answer.aclose()


def _check_oss_key(key: str) -> None:
    """OSS's rules for a new object's name where they are stricter than S3's."""
    if key.startswith("\\"):
        raise OssError(400, "InvalidObjectName", "An object name cannot start with a backslash.")
    if len(key.encode("utf-8")) > MAX_OSS_KEY_BYTES:
        raise OssError(400, "InvalidObjectName", f"An object name may have at most {MAX_OSS_KEY_BYTES} bytes.")


async def no_live_channels(upstream: Upstream, bucket: str, query: Mapping[str, str]) -> web.Response:
    """`GET /<bucket>?live`: the empty listing (Osprey has no live channels), never an object listing; a
    missing bucket is still NoSuchBucket."""
    max_keys = query.get("max-keys") or "100"
    if not max_keys.isdigit() or not 1 <= int(max_keys) <= 1000:
        raise invalid_argument("max-keys must be an integer between 1 and 1000.", ArgumentName="max-keys",
                               ArgumentValue=max_keys)
    await (await upstream.forward(ForwardRequest(method="HEAD", bucket=bucket))).aclose()
    body = live_channels_xml(query.get("prefix", ""), query.get("marker", ""), max_keys)
    return web.Response(body=body, content_type="application/xml")


async def _with_s3_etags(body: AsyncIterator[bytes], headers: dict[str, str]) -> tuple[ChunkReader, int]:
    """The parts list read whole (its digests checked on the way), the ETags Osprey gave in OSS's upper case back
    in S3's; the body's digest headers no longer fit it, and the upstream call is signed anew."""
    data = bytearray()
    async for chunk in body:
        data += chunk
        if len(data) > MAX_DOCUMENT_BYTES:
            raise OssError(400, "MalformedXML", f"A CompleteMultipartUpload body may have at most {MAX_DOCUMENT_BYTES} "
                           "bytes.")
    for name in [name for name in headers if name == "content-md5" or name.startswith("x-amz-checksum-")]:
        del headers[name]
    rewritten = s3_part_etags(bytes(data))
    return ChunkReader.of_bytes(rewritten), len(rewritten)


async def _crc_kept(request: web.Request, body: AsyncIterator[bytes], length: int, crc: Crc64,
                    headers: dict[str, str]) -> AsyncIterator[bytes]:
    """The body, its CRC-64 in the upstream metadata that goes before it: known when the client sent one (checked
    as the body streams) or the body was spooled, else a body of at most `limits.crc64_buffer_bytes` is read first."""
    sent = request.headers.get(OSS_CRC64)
    if sent is None and crc.length < length <= services(request).config.limits.crc64_buffer_bytes:
        body = ChunkReader.of_bytes(b"".join([chunk async for chunk in body]))
    if crc.length == length:
        headers[AMZ_META + CRC64_META] = str(crc.value)
    elif sent is not None:
        headers[AMZ_META + CRC64_META] = str(int(sent))  # a wrong one breaks the upload off: nothing is stored
    return body


async def _relay(request: web.Request, answer: ForwardResponse, what: str, oss: bool,
                 extra: Mapping[str, str]) -> web.StreamResponse:
    headers = {**client_headers(answer.headers, oss), **extra}
    if request.method == "HEAD":
        if answer.content_length is not None:
            headers["Content-Length"] = str(answer.content_length)
        return web.Response(status=answer.status, headers=headers)
    response = web.StreamResponse(status=answer.status, headers=headers)
    if answer.content_length is not None:
        response.content_length = answer.content_length
    return await send_body(request, response, answer.body, what)


def _reshaped_for_oss(request: web.Request, oss: bool, operation: str, answer: ForwardResponse) -> bool:
    return (
        oss and request.method != "HEAD"
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
    headers = {**extra, **client_headers(answer.headers, oss=True), "content-type": "application/xml"}
    return web.Response(status=answer.status, body=document, headers=headers)
