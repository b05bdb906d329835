"""The S3 operations a directory can carry out, for `LocalStore.forward`; the others (ACLs, tagging,
versions, UploadPartCopy…) answer 501."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import unquote

from proxy.errors import OssError, invalid_argument
from proxy.upstream import local_multipart, s3xml
from proxy.upstream.body import ChunkReader
from proxy.upstream.conditional import Preconditions
from proxy.upstream.errors import precondition_failed, unsupported_operation
from proxy.upstream.forwarding import ForwardRequest, ForwardResponse
from proxy.upstream.local_store import LocalStore
from proxy.upstream.objects import STORED_HEADERS, Conditions, ObjectMeta, Stored
from proxy.upstream.operations import operation

MAX_DELETE_BODY = 2 * 1024 * 1024
OWNER = "osprey-local"
_Handler = Callable[[LocalStore, ForwardRequest], Awaitable[ForwardResponse]]


async def forward(store: LocalStore, request: ForwardRequest) -> ForwardResponse:
    """Dispatch on the S3 operation; one a directory cannot carry out answers 501 NotImplemented."""
    name = operation(request.method, request.bucket, request.key, [n for n, _ in request.query],
                     request.header("x-amz-copy-source") is not None)
    handler = _HANDLERS.get(name)
    if handler is None:
        raise unsupported_operation(name if name != "Unknown" else f"{request.method} with this query", "local")
    return await handler(store, request)


async def _list_buckets(store: LocalStore, request: ForwardRequest) -> ForwardResponse:
    return _xml(s3xml.list_buckets_xml(await store.buckets(), OWNER))


async def _head_bucket(store: LocalStore, request: ForwardRequest) -> ForwardResponse:
    await store.check_bucket(request.bucket)
    return _empty(200)


async def _location(store: LocalStore, request: ForwardRequest) -> ForwardResponse:
    await store.check_bucket(request.bucket)
    return _xml(s3xml.location_xml(""))


async def _list_objects(store: LocalStore, request: ForwardRequest) -> ForwardResponse:
    options = s3xml.list_options(request.param)
    page = s3xml.page_of(await store.keys(request.bucket, options.prefix), options)
    entries = []
    for key in page.keys:
        try:
            meta = await store.head(request.bucket, key)
        except OssError as err:
            if err.code in ("NoSuchKey", "InvalidArgument"):
                continue  # deleted since the folder walk, or a link that leads out of the bucket
            raise
        entries.append(s3xml.Entry(key, meta.size, meta.etag, meta.last_modified))
    return _xml(s3xml.list_objects_xml(request.bucket, options, page, entries))


async def _put_object(store: LocalStore, request: ForwardRequest) -> ForwardResponse:
    body = request.body if request.body is not None else ChunkReader.of_bytes(b"")
    meta = await store.write(request.bucket, request.key, body, _stored_from(request.headers))
    return _empty(200, {"etag": meta.etag})


async def _copy_object(store: LocalStore, request: ForwardRequest) -> ForwardResponse:
    source_bucket, source_key = _copy_source(request.header("x-amz-copy-source") or "")
    directive = (request.header("x-amz-metadata-directive") or "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise invalid_argument("Unknown metadata directive.", ArgumentName="x-amz-metadata-directive",
                               ArgumentValue=directive)
    if (source_bucket, source_key) == (request.bucket, request.key) and directive == "COPY":
        raise OssError(400, "InvalidRequest",
                       "This copy request is illegal because it is trying to copy an object to itself without "
                       "changing the object's metadata, storage class, website redirect location or encryption "
                       "attributes.")
    stream = await store.get(source_bucket, source_key)
    try:
        _check_copy_conditions(request, stream.meta)
        stored = (_stored_from(request.headers) if directive == "REPLACE"
                  else Stored(stream.meta.content_type, stream.meta.metadata, stream.meta.headers))
        meta = await store.write(request.bucket, request.key, stream.body, stored)
    finally:
        await stream.aclose()
    return _xml(s3xml.copy_result_xml(meta.etag, meta.last_modified))


async def _delete_object(store: LocalStore, request: ForwardRequest) -> ForwardResponse:
    await store.delete(request.bucket, request.key)
    return _empty(204)


async def _delete_objects(store: LocalStore, request: ForwardRequest) -> ForwardResponse:
    if request.content_length > MAX_DELETE_BODY:
        raise OssError(400, "MalformedXML", f"A Delete body may have at most {MAX_DELETE_BODY} bytes.")
    body = b"".join([chunk async for chunk in request.body]) if request.body is not None else b""
    keys, quiet = s3xml.parse_delete(body)
    await store.check_bucket(request.bucket)
    outcomes = await asyncio.gather(*(store.delete(request.bucket, key) for key in keys), return_exceptions=True)
    deleted, errors = [], []
    for key, outcome in zip(keys, outcomes, strict=True):
        if isinstance(outcome, OssError):
            errors.append((key, outcome))
        elif isinstance(outcome, BaseException):
            raise outcome
        elif not quiet:
            deleted.append(key)
    return _xml(s3xml.delete_result_xml(deleted, errors))


async def _create_upload(store: LocalStore, request: ForwardRequest) -> ForwardResponse:
    return _xml(await local_multipart.create(store, request, _stored_from(request.headers)))


async def _upload_part(store: LocalStore, request: ForwardRequest) -> ForwardResponse:
    return _empty(200, {"etag": await local_multipart.upload_part(store, request)})


async def _complete_upload(store: LocalStore, request: ForwardRequest) -> ForwardResponse:
    return _xml(await local_multipart.complete(store, request))


async def _abort_upload(store: LocalStore, request: ForwardRequest) -> ForwardResponse:
    await local_multipart.abort(store, request)
    return _empty(204)


async def _list_parts(store: LocalStore, request: ForwardRequest) -> ForwardResponse:
    return _xml(await local_multipart.list_parts(store, request))


async def _list_uploads(store: LocalStore, request: ForwardRequest) -> ForwardResponse:
    return _xml(await local_multipart.list_uploads(store, request))


_HANDLERS: Mapping[str, _Handler] = {
    "ListBuckets": _list_buckets,
    "HeadBucket": _head_bucket,
    "GetBucketLocation": _location,
    "ListObjects": _list_objects,
    "ListObjectsV2": _list_objects,
    "PutObject": _put_object,
    "CopyObject": _copy_object,
    "DeleteObject": _delete_object,
    "DeleteObjects": _delete_objects,
    "CreateMultipartUpload": _create_upload,
    "UploadPart": _upload_part,
    "CompleteMultipartUpload": _complete_upload,
    "AbortMultipartUpload": _abort_upload,
    "ListParts": _list_parts,
    "ListMultipartUploads": _list_uploads,
}


def _stored_from(headers: Mapping[str, str]) -> Stored:
    lowered = {name.lower(): value for name, value in headers.items()}
    return Stored(
        content_type=lowered.get("content-type") or "application/octet-stream",
        metadata={name[len("x-amz-meta-"):]: value for name, value in lowered.items()
                  if name.startswith("x-amz-meta-")},
        headers={name: lowered[name] for name in STORED_HEADERS if name in lowered},
    )


def _copy_source(header: str) -> tuple[str, str]:
    """`/bucket/key` or `bucket/key`, the key percent-encoded; versions are not kept locally."""
    path, _, version = header.partition("?")
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    if not bucket or not key or version:
        raise invalid_argument("x-amz-copy-source must be /<bucket>/<key> (no versionId on a local upstream).",
                               ArgumentName="x-amz-copy-source", ArgumentValue=header)
    return bucket, key


def _check_copy_conditions(request: ForwardRequest, meta: ObjectMeta) -> None:
    """x-amz-copy-source-if-*: S3 answers 412 for every failed one, If-None-Match included."""
    conditions = Conditions(
        if_match=request.header("x-amz-copy-source-if-match"),
        if_none_match=request.header("x-amz-copy-source-if-none-match"),
        if_modified_since=request.header("x-amz-copy-source-if-modified-since"),
        if_unmodified_since=request.header("x-amz-copy-source-if-unmodified-since"),
    )
    try:
        Preconditions.parse(conditions).check(meta)
    except OssError as err:
        if err.status == 304:
            raise precondition_failed() from None
        raise


def _xml(body: bytes) -> ForwardResponse:
    return ForwardResponse(200, {"content-type": "application/xml", "content-length": str(len(body))},
                           ChunkReader.of_bytes(body), len(body))


def _empty(status: int, headers: Mapping[str, str] | None = None) -> ForwardResponse:
    return ForwardResponse(status, {**(headers or {}), "content-length": "0"}, ChunkReader.of_bytes(b""), 0)
