"""OSS signature V1 (HMAC-SHA1): `Authorization: OSS <ak>:<sig>` or `?OSSAccessKeyId=…&Expires=…&Signature=…`."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from proxy.auth.clock import check_expiry, check_skew, parse_http_date
from proxy.auth.errors import malformed, missing_parameters, no_valid_date, secret_for, signature_mismatch
from proxy.auth.request import Identity, SignedRequest
from proxy.auth.signing import hmac_sha1, oss_resource, signatures_match

PREFIX = "OSS "
PRESIGN_PARAMS = frozenset({"OSSAccessKeyId", "Expires", "Signature"})

# fmt: off
# Spec §8.1: the documented list (Go v1 SDK) together with what Java and Python oss2 add.
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
# The Python v2 SDK signs only these (no x-oss-process: spec §8.1, "SDK divergence to tolerate").
PYTHON_V2_SUBRESOURCES = frozenset({
    "acl", "bucketInfo", "location", "stat", "delete", "append", "tagging", "objectMeta", "uploads", "uploadId",
    "partNumber", "security-token", "position", "response-content-type", "response-content-language",
    "response-expires", "response-cache-control", "response-content-disposition", "response-content-encoding",
    "restore", "callback", "callback-var", "versions", "versioning", "versionId", "sequential",
    "continuation-token", "regionList", "cloudboxes", "symlink", "resourceGroup",
})
# fmt: on
# Which query parameters a signer put in the resource; the documented rule first, then the SDK variants
# seen in the wild: the Go v2 SDK adds every x-oss-* parameter, the Python v2 SDK uses its short list.
_RESOURCE_RULES = (
    lambda name: name in SUBRESOURCES,
    lambda name: name in SUBRESOURCES or name.startswith("x-oss-"),
    lambda name: name in PYTHON_V2_SUBRESOURCES,
)


def verify_header(
    request: SignedRequest,
    authorization: str,
    credentials: Mapping[str, str],
    now: datetime,
) -> Identity:
    """The Date (or x-oss-date) header is signed and must be within 15 minutes of the server clock."""
    access_key_id, _, signature = authorization[len(PREFIX) :].strip().rpartition(":")
    if not (access_key_id and signature):
        raise malformed(
            "The Authorization header must be `OSS <AccessKeyId>:<Signature>`.", "Authorization", authorization
        )
    date = request.header("x-oss-date") or request.header("date") or ""
    secret = secret_for(credentials, access_key_id)
    signed_at = parse_http_date(date)
    if signed_at is None:
        raise no_valid_date("OSS")
    check_skew(signed_at, date, now)
    return _verify(request, access_key_id, secret, signature, date, presigned=False)


def verify_presigned(request: SignedRequest, credentials: Mapping[str, str], now: datetime) -> Identity:
    """The `Expires` unix time stands in for the Date and bounds the URL's life."""
    access_key_id, expires, signature = (request.param(name) for name in ("OSSAccessKeyId", "Expires", "Signature"))
    if not (access_key_id and expires and signature):
        raise missing_parameters("A V1 signed URL needs OSSAccessKeyId, Expires and Signature.")
    if not expires.isdigit():
        raise malformed("Expires must be a unix time in seconds.", "Expires", expires)
    secret = secret_for(credentials, access_key_id)
    check_expiry(datetime.fromtimestamp(int(expires), UTC), now)
    return _verify(request, access_key_id, secret, signature, expires, presigned=True)


def _string_to_sign(request: SignedRequest, date: str, signs_param: Callable[[str], bool]) -> str:
    """VERB, Content-MD5, Content-Type, date, the `x-oss-*` headers, then the resource with the signed parameters
    (decoded, sorted, a bare name when empty)."""
    headers = "".join(f"{name}:{value}\n" for name, value in request.headers_where(frozenset(), "x-oss-"))
    params = sorted((name, value) for name, value in request.query if signs_param(name))
    resource = oss_resource(request.bucket, request.key)
    if params:
        resource += "?" + "&".join(f"{name}={value}" if value else name for name, value in params)
    content_md5, content_type = request.header("content-md5") or "", request.header("content-type") or ""
    return f"{request.method.upper()}\n{content_md5}\n{content_type}\n{date}\n{headers}{resource}"


def _verify(
    request: SignedRequest,
    access_key_id: str,
    secret: str,
    signature: str,
    date: str,
    *,
    presigned: bool,
) -> Identity:
    documented = ""
    for rule in _RESOURCE_RULES:
        candidate = _string_to_sign(request, date, rule)
        documented = documented or candidate
        if signatures_match(base64.b64encode(hmac_sha1(secret, candidate)).decode(), signature):
            unsigned = {name for name, _ in request.query if not rule(name)} - (PRESIGN_PARAMS if presigned else set())
            return Identity(access_key_id, "oss-v1", presigned, unsigned_query=frozenset(unsigned))
    raise signature_mismatch(signature, documented)
