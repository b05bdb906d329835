"""Which S3 operation a REST call is, from its method, address, query names and copy-source header.

Backends that implement operations one by one (the local directory) dispatch on it; the front uses it
to recognise answers it reshapes for OSS clients (object listings).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from proxy.errors import OssError

# Query parameters that select nothing: a list's options (objects' and uploads'), response overrides, SDK hints.
LIST_PARAMS = frozenset({
    "prefix", "delimiter", "marker", "max-keys", "encoding-type", "list-type", "continuation-token",
    "start-after", "fetch-owner", "x-id", "key-marker", "upload-id-marker", "max-uploads",
})
UNKNOWN = "Unknown"
LIST_LIVE_CHANNELS = "ListLiveChannels"  # answered by Osprey itself: it has none

# OSS features Osprey cannot carry out, by the sub-resource (or header) that asks for one: answered 501 naming
# the feature, never forwarded, since S3 ignores a parameter it does not know and would list the bucket or
# serve the object instead. The flag says S3 has a sub-resource of that name (in its own shape): an S3 caller's
# call goes on to the upstream, an OSS caller's is refused.
OSS_FEATURES: Mapping[str, tuple[str, bool]] = {
    "append": ("appending to objects", False),
    "symlink": ("symlinks", False),
    "live": ("live channels", False),
    "x-oss-traffic-limit": ("the traffic limit", False),
    "style": ("the bucket styles API", False),
    "referer": ("referer lists", False),
    "worm": ("WORM retention", False),
    "wormId": ("WORM retention", False),
    "wormExtend": ("WORM retention", False),
    "replicationLocation": ("replication", False),
    "replicationProgress": ("replication", False),
    "bucketInfo": ("bucket info", False),
    "stat": ("bucket stat", False),
    "accessPoint": ("access points", False),
    "x-oss-async-process": ("async processing", False),
    "requestPayment": ("request payment", True),
    "replication": ("replication", True),
    "inventory": ("inventory", True),
    "restore": ("restoring archived objects", True),
    "acl": ("ACLs", True),
}


def operation(method: str, bucket: str, key: str, params: Collection[str], copy_source: bool = False) -> str:
    """The S3 operation name (`PutObject`, `ListObjectsV2`, …), or `Unknown` for a sub-resource call
    this table does not name (`?acl`, `?tagging`…), which only a full S3 upstream can carry out."""
    method = method.upper()
    if not bucket:
        return "ListBuckets" if method == "GET" else UNKNOWN
    if not key:
        return _bucket_operation(method, set(params) - LIST_PARAMS, "2" if "list-type" in params else "")
    return _object_operation(method, set(params) - {"x-id"}, copy_source)


def refuse_oss_features(method: str, key: str, names: Iterable[str], oss_caller: bool) -> None:
    """501 NotImplemented for a call that asks for an OSS feature Osprey lacks (`names`: its query parameters
    and lower-cased headers); `oss_caller` says it was signed the OSS way."""
    for name in names:
        feature, s3_has_it = OSS_FEATURES.get(name, ("", False))
        if name == "live" and method == "GET" and not key:
            continue  # listing a bucket's live channels is no such call: Osprey answers it (there are none)
        if feature and (oss_caller or not s3_has_it):
            raise OssError(501, "NotImplemented", f"Osprey does not implement {feature} (`{name}`).")


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
    if sub == {"live"} and method == "GET":
        return LIST_LIVE_CHANNELS
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
