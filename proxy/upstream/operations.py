"""Which S3 operation a REST call is, from its method, address, query names and copy-source header.

Backends that implement operations one by one (the local directory) dispatch on it; the front uses it
to recognise answers it reshapes for OSS clients (object listings).
"""

from __future__ import annotations

from collections.abc import Collection

# Query parameters that select nothing: a list's options, response overrides, SDK hints.
LIST_PARAMS = frozenset({
    "prefix", "delimiter", "marker", "max-keys", "encoding-type", "list-type", "continuation-token",
    "start-after", "fetch-owner", "x-id",
})
UNKNOWN = "Unknown"


def operation(method: str, bucket: str, key: str, params: Collection[str], copy_source: bool = False) -> str:
    """The S3 operation name (`PutObject`, `ListObjectsV2`, …), or `Unknown` for a sub-resource call
    this table does not name (`?acl`, `?tagging`…), which only a full S3 upstream can carry out."""
    method = method.upper()
    if not bucket:
        return "ListBuckets" if method == "GET" else UNKNOWN
    if not key:
        return _bucket_operation(method, set(params) - LIST_PARAMS, "2" if "list-type" in params else "")
    return _object_operation(method, set(params) - {"x-id"}, copy_source)


def _bucket_operation(method: str, sub: set[str], list_type: str) -> str:
    if not sub:
        return {
            "GET": "ListObjectsV2" if list_type else "ListObjects",
            "HEAD": "HeadBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket",
        }.get(method, UNKNOWN)
    if sub == {"location"} and method == "GET":
        return "GetBucketLocation"
    if sub == {"delete"} and method == "POST":
        return "DeleteObjects"
    if sub == {"uploads"} and method == "GET":
        return "ListMultipartUploads"
    return UNKNOWN


def _object_operation(method: str, sub: set[str], copy_source: bool) -> str:
    if "uploadId" in sub:
        if method == "PUT" and "partNumber" in sub:
            return "UploadPartCopy" if copy_source else "UploadPart"
        return {"POST": "CompleteMultipartUpload", "DELETE": "AbortMultipartUpload",
                "GET": "ListParts"}.get(method, UNKNOWN)
    if sub == {"uploads"} and method == "POST":
        return "CreateMultipartUpload"
    if sub:
        return UNKNOWN
    if method == "PUT":
        return "CopyObject" if copy_source else "PutObject"
    return {"GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(method, UNKNOWN)
