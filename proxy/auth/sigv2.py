"""AWS signature V2 for S3 (HMAC-SHA1): `Authorization: AWS <ak>:<sig>` or `?AWSAccessKeyId=…&Expires=…&Signature=…`.

boto3 presigns with it unless a client is configured otherwise, so apps moved over by `endpoint_url` use it.
"""

from __future__ import annotations

from functools import partial
from urllib.parse import unquote

from proxy.auth import hmac_v1
from proxy.auth.request import SignedRequest

# fmt: off
# botocore's `HmacV1Auth.QSAOfInterest`, a superset of the list in the S3 documentation.
SUBRESOURCES = frozenset({
    "accelerate", "acl", "cors", "defaultObjectAcl", "location", "logging", "partNumber", "policy",
    "requestPayment", "torrent", "versioning", "versionId", "versions", "website", "uploads", "uploadId",
    "response-content-type", "response-content-language", "response-expires", "response-cache-control",
    "response-content-disposition", "response-content-encoding", "delete", "lifecycle", "tagging", "restore",
    "storageClass", "notification", "replication", "analytics", "metrics", "inventory", "select", "select-type",
    "object-lock",
})
# fmt: on


def resource(request: SignedRequest) -> str:
    """`/<bucket>/<key>` whatever the addressing style, `/` for the service; the key percent-encoded exactly as
    sent, since that is what botocore signs (`a%20b.jpg`, `zo%C3%AB`, `a%2Bb`)."""
    if not request.bucket:
        return "/"
    raw_key = request.raw_path[1:]
    first, _, rest = raw_key.partition("/")
    if unquote(first) == request.bucket and unquote(rest) == request.key:  # path-style
        raw_key = rest
    return f"/{request.bucket}/{raw_key}"


SCHEME = hmac_v1.HmacV1Scheme(
    name="aws-sigv2",
    vendor="AWS",
    version="V2",
    header_prefix="x-amz-",
    resource=resource,
    resource_rules=(lambda name: name in SUBRESOURCES,),
    vendor_date_empties_date_line=True,
    empty_value_as_sent=True,
    query_carries_headers=True,
)


# The Date header (or the `Expires` of a presigned URL) is signed; hmac_v1 holds the checks both vendors share.
verify_header = partial(hmac_v1.verify_header, SCHEME)
verify_presigned = partial(hmac_v1.verify_presigned, SCHEME)
