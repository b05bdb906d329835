"""OSS signature V1 (HMAC-SHA1): `Authorization: OSS <ak>:<sig>` or `?OSSAccessKeyId=…&Expires=…&Signature=…`."""

from __future__ import annotations

from functools import partial

from proxy.auth import hmac_v1
from proxy.auth.signing import oss_resource

# fmt: off
# auth §8.1: the documented list (Go v1 SDK) together with what Java and Python oss2 add.
SUBRESOURCES = frozenset({
    "acl", "uploads", "location", "cors", "logging", "website", "referer", "lifecycle", "delete", "append",
    "tagging", "objectMeta", "uploadId", "partNumber", "security-token", "position", "img", "style", "styleName",
    "replication", "replicationProgress", "replicationLocation", "cname", "bucketInfo", "comp", "qos", "live",
    "status", "vod", "startTime", "endTime", "symlink", "x-oss-process", "response-content-type",
    "x-oss-traffic-limit", "response-content-language", "response-expires", "response-cache-control",
    "response-content-disposition", "response-content-encoding", "udf", "udfName", "udfImage", "udfId",
    "udfImageDesc", "udfApplication", "udfApplicationLog", "restore", "callback", "callback-var", "qosInfo",
    "policy", "stat", "encryption", "versions", "versioning", "versionId", "requestPayment", "x-oss-request-payer",
    "sequential", "inventory", "inventoryId", "continuation-token", "asyncFetch", "worm", "wormId", "wormExtend",
    "withHashContext", "x-oss-enable-md5", "x-oss-enable-sha1", "x-oss-enable-sha256", "x-oss-hash-ctx",
    "x-oss-md5-ctx", "transferAcceleration", "regionList", "cloudboxes", "x-oss-ac-source-ip",
    "x-oss-ac-subnet-mask", "x-oss-ac-vpc-id", "x-oss-ac-forward-allow", "metaQuery", "resourceGroup", "rtc",
    "x-oss-async-process", "responseHeader", "processConfiguration", "objectInfo", "group", "link",
    "x-oss-write-get-object-response", "bucketArchiveDirectRead", "httpsConfig", "redundancyTransition",
    "x-oss-target-redundancy-type", "x-oss-redundancy-transition-taskid", "accessPoint", "accessPointPolicy",
    "publicAccessBlock", "x-oss-access-point-name", "requesterQosInfo", "qosRequester", "resourcePoolInfo",
    "resourcePool", "resourcePoolBuckets",
})
# The Python v2 SDK signs only these (no x-oss-process: auth §8.1).
PYTHON_V2_SUBRESOURCES = frozenset({
    "acl", "bucketInfo", "location", "stat", "delete", "append", "tagging", "objectMeta", "uploads", "uploadId",
    "partNumber", "security-token", "position", "response-content-type", "response-content-language",
    "response-expires", "response-cache-control", "response-content-disposition", "response-content-encoding",
    "restore", "callback", "callback-var", "versions", "versioning", "versionId", "sequential",
    "continuation-token", "regionList", "cloudboxes", "symlink", "resourceGroup",
})
# fmt: on
SCHEME = hmac_v1.HmacV1Scheme(
    name="oss-v1",
    vendor="OSS",
    version="V1",
    header_prefix="x-oss-",
    resource=lambda request: oss_resource(request.bucket, request.key),
    # The documented list first, then the SDK variants seen in the wild: the Go v2 SDK adds every x-oss-*
    # parameter, the Python v2 SDK uses its short list.
    resource_rules=(
        lambda name: name in SUBRESOURCES,
        lambda name: name in SUBRESOURCES or name.startswith("x-oss-"),
        lambda name: name in PYTHON_V2_SUBRESOURCES,
    ),
    vendor_date_empties_date_line=False,
    empty_value_as_sent=False,
    query_carries_headers=False,
)


# The Date header (or the `Expires` of a presigned URL) is signed; hmac_v1 holds the checks both vendors share.
verify_header = partial(hmac_v1.verify_header, SCHEME)
verify_presigned = partial(hmac_v1.verify_presigned, SCHEME)
