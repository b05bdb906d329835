"""OSS and S3 spellings of one object API: request headers up to S3, response headers back in both,
and XML answers reshaped for OSS SDKs (which parse OSS's XML, not S3's)."""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from urllib.parse import quote, unquote_plus

from proxy.auth import Identity
from proxy.auth.request import joined_headers
from proxy.errors import OssError, invalid_argument
from proxy.upstream.errors import upstream_bad_gateway
from proxy.upstream.objects import STORED_HEADERS, Conditions

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
# …and back: the first OSS name of an S3 value is the one OSS reports.
_S3_VALUES = {name: {s3: oss for oss, s3 in reversed(values.items())} for name, values in _OSS_VALUES.items()}
OSS_META, AMZ_META = "x-oss-meta-", "x-amz-meta-"
# Where Osprey keeps the CRC-64 OSS reports of an object (upstream metadata, never a client's to set or see).
CRC64_META, OSS_CRC64 = "osprey-crc64", "x-oss-hash-crc64ecma"
_VENDOR_PREFIXES = ("x-amz-", "x-oss-")
_OSS_URL_SIGNATURES = frozenset({"OSSAccessKeyId", "x-oss-credential", "x-oss-access-key-id"})  # V1, V4, V2

_PASSED_DOWN = frozenset({"content-type", "etag", "last-modified", "accept-ranges", "content-range", *STORED_HEADERS})
_AMZ_DROPPED_DOWN = frozenset({"x-amz-request-id", "x-amz-id-2"})  # the upstream's ids; Osprey has its own
_OSS_SPELLED_DOWN = {"x-amz-version-id": "x-oss-version-id", "x-amz-delete-marker": "x-oss-delete-marker",
                     "x-amz-storage-class": "x-oss-storage-class",
                     "x-amz-server-side-encryption": "x-oss-server-side-encryption",
                     "x-amz-server-side-encryption-aws-kms-key-id": "x-oss-server-side-encryption-key-id"}
# ETags a request compares with: an OSS client holds them in OSS's upper case, S3 stores lower-case hex.
_ETAG_CONDITIONS = frozenset({"if-match", "if-none-match", "x-oss-copy-source-if-match",
                              "x-oss-copy-source-if-none-match", "x-amz-copy-source-if-match",
                              "x-amz-copy-source-if-none-match"})
# S3 error codes OSS spells otherwise; oss2 maps OSS's names to its own exceptions.
_OSS_CODES = {"BadDigest": "InvalidDigest", "BucketAlreadyOwnedByYou": "BucketAlreadyExists"}
# An OSS listing's page-size parameter and its default; OSS allows up to 1,000 in every listing.
_OSS_PAGES = {"ListObjects": ("max-keys", 100), "ListObjectsV2": ("max-keys", 100),
              "ListMultipartUploads": ("max-uploads", 1000), "ListParts": ("max-parts", 1000)}
_OSS_MAX_PAGE = 1000
# Elements OSS always writes, empty where there is nothing (S3 leaves some out; oss2 requires them).
_OSS_ELEMENTS = {
    "ListBucketResult": ("Name", "Prefix", "Marker", "MaxKeys", "Delimiter", "IsTruncated"),
    "ListBucketResultV2": ("Name", "Prefix", "MaxKeys", "Delimiter", "IsTruncated", "KeyCount"),
    "ListMultipartUploadsResult": ("Bucket", "KeyMarker", "UploadIdMarker", "NextKeyMarker", "NextUploadIdMarker",
                                   "Delimiter", "Prefix", "MaxUploads", "IsTruncated"),
    "ListPartsResult": ("Bucket", "Key", "UploadId", "PartNumberMarker", "NextPartNumberMarker", "MaxParts",
                        "IsTruncated"),
}

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
_ETAG_ELEMENT = re.compile(rb"(?<=<ETag>)[^<]*(?=</ETag>)")
_SECONDS = re.compile(r"(T\d\d:\d\d:\d\d)(?:\.\d+)?Z$")
_ENCODED_TAGS = frozenset({"Prefix", "Marker", "NextMarker", "Delimiter", "StartAfter", "Key", "KeyMarker",
                           "NextKeyMarker"})


def oss_caller(identity: Identity | None) -> bool:
    """Whether a verified caller signed the OSS way, so is answered in OSS's spellings."""
    return identity is not None and identity.scheme.startswith("oss")


def oss_list_query(operation: str, query: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """An OSS listing's query with OSS's page size: its default where the client named none (100 objects, where
    S3 gives 1,000), and a size that is no number or beyond OSS's maximum refused as OSS refuses it."""
    param, default = _OSS_PAGES.get(operation, ("", 0))
    if not param:
        return query
    given = next((value for name, value in query if name == param), "")
    if not given:
        return [*((name, value) for name, value in query if name != param), (param, str(default))]
    if not given.isdigit() or int(given) > _OSS_MAX_PAGE:
        raise invalid_argument(f"Argument {param} must be an integer between 0 and {_OSS_MAX_PAGE}.",
                               ArgumentName=param, ArgumentValue=given)
    return query


def oss_signed(authorization: str, query: Collection[str]) -> bool:
    """Whether a request carries an OSS signature (header or presigned URL), so is answered in OSS's spellings."""
    return authorization.startswith("OSS") or not _OSS_URL_SIGNATURES.isdisjoint(query)


def object_type(etag: str) -> str:
    """OSS's `x-oss-object-type` of an S3 object: a multipart upload's ETag ends in `-<parts>`."""
    return "Multipart" if "-" in etag else "Normal"


def oss_etag(etag: str) -> str:
    """OSS writes an ETag's hex digits in upper case."""
    return etag.upper()


def oss_spelled_error(err: OssError) -> OssError:
    """An S3 error code as OSS names it, for an OSS client."""
    code = _OSS_CODES.get(err.code)
    return err if code is None else replace(err, code=code)


def reaches_upstream(name: str) -> bool:
    """Whether `upstream_headers` sends a vendor header on (an `x-oss-*` one as its S3 spelling), so changes
    the upstream call: what a signature must cover."""
    name = name.lower()
    if name.startswith("x-amz-"):
        return name not in _AMZ_HELD_BACK
    return name.startswith(OSS_META) or name in _OSS_RENAMED or name == "x-oss-forbid-overwrite"


def upstream_headers(headers: Iterable[tuple[str, str]], decoded_body: bool,
                     identity: Identity | None) -> dict[str, str]:
    """The client's headers as S3 takes them: allow-listed, `x-oss-*` renamed, `aws-chunked` framing gone, vendor
    headers (`x-amz-*`, `x-oss-*`) only where `identity`'s signature covers them."""
    out: dict[str, str] = {}
    # `decoded_body`: the body was aws-chunked, its checksum came as a trailer the upstream never sees, so the
    # SDK's announcement of one is dropped too.
    held_back = _AMZ_HELD_BACK | ({"x-amz-sdk-checksum-algorithm"} if decoded_body else set())
    # Osprey re-signs the call, so an unsigned vendor header would gain its authority.
    headers = [(name, value) for name, value in headers if _signed_or_plain(name, identity)]
    joined = joined_headers(headers)
    for name, value in joined.items():
        if name == "content-encoding":
            value = _without_aws_chunked(value)
            if value:
                out[name] = value
        elif name in _PASSED_UP or (name.startswith("x-amz-") and name not in held_back):
            out[name] = value
    # OSS spellings last, and only where the S3 one is absent: a client that sent both meant the S3 one.
    for name, value in joined.items():
        for s3_name, s3_value in _from_oss(name, value):
            out.setdefault(s3_name, s3_value)
    if oss_caller(identity):
        out.update((name, value.lower()) for name, value in out.items() if name in _ETAG_CONDITIONS)
    out.pop(AMZ_META + CRC64_META, None)
    return out


def _without_aws_chunked(value: str) -> str:
    """The client's Content-Encoding byte for byte, less the `aws-chunked` framing Osprey decoded."""
    tokens = [token for token in value.split(",") if token.strip()]
    kept = [token for token in tokens if token.strip() != "aws-chunked"]
    return value if len(kept) == len(tokens) else ",".join(kept).strip()


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


def client_headers(upstream: Mapping[str, str], oss: bool = False) -> dict[str, str]:
    """The upstream's answer headers a client may use, metadata, versions, storage class and encryption in both
    spellings; `oss` (an OSS-signed request) also gets OSS's upper-case ETag."""
    out: dict[str, str] = {}
    for name, value in upstream.items():
        if name == AMZ_META + CRC64_META:
            out[OSS_CRC64] = value
        elif name in _PASSED_DOWN or (name.startswith("x-amz-") and name not in _AMZ_DROPPED_DOWN):
            out[name] = oss_etag(value) if oss and name == "etag" else value
            if name.startswith(AMZ_META):
                out[OSS_META + name[len(AMZ_META):]] = value
        if name in _OSS_SPELLED_DOWN:
            out.update([_oss_spelling(name, value)])
    return out


def oss_object_headers(upstream: Mapping[str, str], etag: str) -> dict[str, str]:
    """What OSS says of every object on GET and HEAD, S3 leaving it implicit or spelling it its own way: the
    object's type, its storage class (Standard when S3 names none) and its encryption."""
    out = {"x-oss-object-type": object_type(etag), "x-oss-storage-class": "Standard"}
    out.update(_oss_spelling(name, value) for name, value in upstream.items() if name in _OSS_SPELLED_DOWN)
    return out


def s3_part_etags(body: bytes) -> bytes:
    """A CompleteMultipartUpload body from an OSS client, its parts' ETags in S3's lower case (S3 matches exactly)."""
    return _ETAG_ELEMENT.sub(lambda found: found[0].lower(), body)


def oss_conditions(conditions: Conditions) -> Conditions:
    """An OSS client's ETag conditions as S3 compares them: OSS hands out upper-case ETags, S3 lower-case."""
    return replace(conditions, if_match=conditions.if_match and conditions.if_match.lower(),
                   if_none_match=conditions.if_none_match and conditions.if_none_match.lower())


def _oss_spelling(name: str, value: str) -> tuple[str, str]:
    oss_name = _OSS_SPELLED_DOWN[name]
    return oss_name, _S3_VALUES.get(oss_name, {}).get(value, value)


def oss_document(body: bytes, endpoint: str) -> tuple[bytes, dict[str, str]]:
    """An S3 XML answer as OSS writes it, which OSS SDKs need, and the headers OSS sends that S3 keeps in
    the body (the ETag of a copy or a completed upload)."""
    # OSS's XML has no namespace, `.000Z` times, upper-case ETags, OSS's storage class names, a `Type` per listed
    # object, percent-encoded names that never use `+` for a space, a NextMarker on every truncated v1 listing,
    # every element it documents (empty where there is nothing), and per listed bucket its location, endpoints
    # (`endpoint`: Osprey's, the one clients reach it by) and storage class.
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
        elif element.tag == "ETag" and element.text:
            element.text = oss_etag(element.text)
        elif element.tag == "StorageClass" and element.text:
            element.text = _S3_VALUES["x-oss-storage-class"].get(element.text, element.text)
    for contents in root.findall("Contents"):
        if contents.find("Type") is None:
            ET.SubElement(contents, "Type").text = object_type(contents.findtext("ETag", ""))
    if root.tag == "ListBucketResult":
        _add_next_marker(root)
    _add_documented(root)
    for bucket in root.findall("Buckets/Bucket"):
        _add_bucket_details(bucket, endpoint)
    etag = root.findtext("ETag")
    return _document(root), ({"etag": etag} if etag else {})


def live_channels_xml(prefix: str, marker: str, max_keys: str) -> bytes:
    """OSS's ListLiveChannelResult with no channel in it: Osprey has none."""
    root = ET.Element("ListLiveChannelResult")
    for tag, text in (("Prefix", prefix), ("Marker", marker), ("MaxKeys", max_keys), ("IsTruncated", "false"),
                      ("NextMarker", "")):
        ET.SubElement(root, tag).text = text
    return _document(root)


def _document(root: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def _add_documented(root: ET.Element) -> None:
    """Every element OSS documents for this answer, empty where S3 gave none, in OSS's order before the items."""
    kind = root.tag + ("V2" if root.tag == "ListBucketResult" and root.find("KeyCount") is not None else "")
    position = 0
    for tag in _OSS_ELEMENTS.get(kind, ()):
        found = root.find(tag)
        if found is None:
            root.insert(position, ET.Element(tag))
            found = root[position]
        position = max(position, list(root).index(found) + 1)


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
