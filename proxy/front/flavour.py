"""OSS and S3 spellings of one object API: request headers up to S3, response headers back in both,
and XML answers reshaped for OSS SDKs (which parse OSS's XML, not S3's)."""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from urllib.parse import quote, unquote_plus

from proxy.auth import Identity
from proxy.upstream.errors import upstream_bad_gateway
from proxy.upstream.objects import STORED_HEADERS

log = logging.getLogger("osprey.front")

# Request headers whose meaning is the same upstream; `x-amz-*` pass too, less the ones below.
_PASSED_UP = frozenset({
    "content-type", "content-md5", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since",
    "range", *STORED_HEADERS,
})
# The client's signature, and the framing of an aws-chunked body that reaches the upstream decoded.
_AMZ_HELD_BACK = frozenset({
    "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "x-amz-decoded-content-length", "x-amz-trailer",
})
_OSS_RENAMED = {
    "x-oss-copy-source": "x-amz-copy-source",
    "x-oss-copy-source-if-match": "x-amz-copy-source-if-match",
    "x-oss-copy-source-if-none-match": "x-amz-copy-source-if-none-match",
    "x-oss-copy-source-if-modified-since": "x-amz-copy-source-if-modified-since",
    "x-oss-copy-source-if-unmodified-since": "x-amz-copy-source-if-unmodified-since",
    "x-oss-copy-source-range": "x-amz-copy-source-range",
    "x-oss-metadata-directive": "x-amz-metadata-directive",
    "x-oss-tagging": "x-amz-tagging",
    "x-oss-tagging-directive": "x-amz-tagging-directive",
    "x-oss-storage-class": "x-amz-storage-class",
    "x-oss-server-side-encryption": "x-amz-server-side-encryption",
}
# OSS values with an S3 equivalent; a value not listed is dropped rather than guessed.
_OSS_VALUES = {
    "x-oss-storage-class": {"Standard": "STANDARD", "IA": "STANDARD_IA", "Archive": "GLACIER",
                            "ColdArchive": "GLACIER", "DeepColdArchive": "DEEP_ARCHIVE"},
    "x-oss-server-side-encryption": {"AES256": "AES256", "KMS": "aws:kms"},
}
OSS_META, AMZ_META = "x-oss-meta-", "x-amz-meta-"
_VENDOR_PREFIXES = ("x-amz-", "x-oss-")

_PASSED_DOWN = frozenset({"content-type", "etag", "last-modified", "accept-ranges", "content-range", *STORED_HEADERS})
_AMZ_DROPPED_DOWN = frozenset({"x-amz-request-id", "x-amz-id-2"})  # the upstream's ids; Osprey has its own
_OSS_SPELLED_DOWN = {"x-amz-version-id": "x-oss-version-id", "x-amz-delete-marker": "x-oss-delete-marker"}

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
_SECONDS = re.compile(r"(T\d\d:\d\d:\d\d)(?:\.\d+)?Z$")
_ENCODED_TAGS = frozenset({"Prefix", "Marker", "NextMarker", "Delimiter", "StartAfter", "Key", "KeyMarker",
                           "NextKeyMarker"})


def reaches_upstream(name: str) -> bool:
    """Whether `upstream_headers` sends a vendor header on (an `x-oss-*` one as its S3 spelling), so changes
    the upstream call: what a signature must cover."""
    name = name.lower()
    if name.startswith("x-amz-"):
        return name not in _AMZ_HELD_BACK
    return name.startswith(OSS_META) or name in _OSS_RENAMED or name == "x-oss-forbid-overwrite"


def upstream_headers(headers: Iterable[tuple[str, str]], decoded_body: bool,
                     identity: Identity | None) -> dict[str, str]:
    """The client's headers as S3 takes them: allow-listed, `x-oss-*` renamed, `aws-chunked` framing gone.

    `decoded_body` says the body was aws-chunked: its checksum came as a trailer the upstream never sees,
    so the SDK's announcement of one is dropped too. Vendor headers (`x-amz-*`, `x-oss-*`) pass only when
    `identity`'s signature covers them: Osprey re-signs the call, so an unsigned one would gain its authority.
    """
    out: dict[str, str] = {}
    held_back = _AMZ_HELD_BACK | ({"x-amz-sdk-checksum-algorithm"} if decoded_body else set())
    headers = [(name, value) for name, value in headers if _signed_or_plain(name, identity)]
    for name, value in _joined(headers).items():
        if name == "content-encoding":
            value = ",".join(t for t in (p.strip() for p in value.split(",")) if t and t != "aws-chunked")
            if value:
                out[name] = value
        elif name in _PASSED_UP or (name.startswith("x-amz-") and name not in held_back):
            out[name] = value
    # OSS spellings last, and only where the S3 one is absent: a client that sent both meant the S3 one.
    for name, value in _joined(headers).items():
        for s3_name, s3_value in _from_oss(name, value):
            out.setdefault(s3_name, s3_value)
    return out


def _signed_or_plain(name: str, identity: Identity | None) -> bool:
    if not name.lower().startswith(_VENDOR_PREFIXES):
        return True
    return identity is not None and identity.covers(name)


def _from_oss(name: str, value: str) -> list[tuple[str, str]]:
    if name.startswith(OSS_META):
        return [(AMZ_META + name[len(OSS_META):], value)]
    if name == "x-oss-forbid-overwrite":
        return [("if-none-match", "*")] if value.strip().lower() == "true" else []
    renamed = _OSS_RENAMED.get(name)
    if renamed is None:
        return []  # x-oss-object-acl among others: S3 buckets with ACLs disabled would refuse the upload
    if name in _OSS_VALUES:
        mapped = _OSS_VALUES[name].get(value.strip())
        if mapped is None:
            log.info("dropped %s: %r has no S3 equivalent", name, value)
            return []
        value = mapped
    return [(renamed, value)]


def client_headers(upstream: Mapping[str, str]) -> dict[str, str]:
    """The upstream's answer headers a client may use, metadata and versions in both spellings."""
    out: dict[str, str] = {}
    for name, value in upstream.items():
        if name in _PASSED_DOWN or (name.startswith("x-amz-") and name not in _AMZ_DROPPED_DOWN):
            out[name] = value
        if name.startswith(AMZ_META):
            out[OSS_META + name[len(AMZ_META):]] = value
        elif name in _OSS_SPELLED_DOWN:
            out[_OSS_SPELLED_DOWN[name]] = value
    return out


def oss_document(body: bytes, endpoint: str) -> tuple[bytes, dict[str, str]]:
    """An S3 XML answer as OSS writes it, which OSS SDKs need, and the headers OSS sends that S3 keeps in
    the body (the ETag of a copy or a completed upload).

    OSS's XML has no namespace, `.000Z` times, a `Type` per listed object, percent-encoded names that never
    use `+` for a space, a NextMarker on every truncated v1 listing, and per listed bucket its location,
    endpoints (`endpoint`: Osprey's, the one clients reach it by) and storage class.
    """
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise upstream_bad_gateway("an XML answer that does not parse") from None
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
    encoded = root.findtext("EncodingType") == "url"
    for element in root.iter():
        if encoded and element.tag in _ENCODED_TAGS and element.text:
            element.text = quote(unquote_plus(element.text), safe="/")
        elif element.tag in ("LastModified", "CreationDate") and element.text:
            element.text = _SECONDS.sub(r"\1.000Z", element.text)
    for contents in root.findall("Contents"):
        if contents.find("Type") is None:
            ET.SubElement(contents, "Type").text = "Multipart" if "-" in contents.findtext("ETag", "") else "Normal"
    if root.tag == "ListBucketResult":
        _add_next_marker(root)
    for bucket in root.findall("Buckets/Bucket"):
        _add_bucket_details(bucket, endpoint)
    etag = root.findtext("ETag")
    document = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return document, ({"etag": etag} if etag else {})


def _add_next_marker(root: ET.Element) -> None:
    """S3 gives NextMarker (v1) only with a delimiter; OSS always does, and oss2 reads it."""
    v2 = root.find("KeyCount") is not None or root.find("NextContinuationToken") is not None
    if v2 or root.findtext("IsTruncated") != "true" or root.find("NextMarker") is not None:
        return
    names = [*root.findall("Contents/Key"), *root.findall("CommonPrefixes/Prefix")]
    decode = unquote_plus if root.findtext("EncodingType") == "url" else str
    last = max(names, key=lambda element: decode(element.text or ""), default=None)
    if last is not None:
        ET.SubElement(root, "NextMarker").text = last.text


def _add_bucket_details(bucket: ET.Element, endpoint: str) -> None:
    """What oss2 requires of each listed bucket and S3 does not say (the region only when S3 gives it)."""
    region = bucket.findtext("BucketRegion", "")
    details = {"Location": region, "ExtranetEndpoint": endpoint, "IntranetEndpoint": endpoint,
               "StorageClass": "Standard", "Region": region}
    for tag, text in details.items():
        if bucket.find(tag) is None:
            ET.SubElement(bucket, tag).text = text


def _joined(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lower-cased names; a repeated header's values joined with ",", as HTTP allows."""
    joined: dict[str, list[str]] = {}
    for name, value in headers:
        joined.setdefault(name.lower(), []).append(value.strip())
    return {name: ",".join(values) for name, values in joined.items()}
