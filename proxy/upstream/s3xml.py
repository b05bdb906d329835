"""S3's XML answers for backends that build them themselves (the local directory), and S3's listing rules.

Pure functions: a sorted key list and a request's list options in, one page and its XML out.
"""

from __future__ import annotations

import base64
import binascii
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from proxy.errors import OssError, invalid_argument

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
MAX_KEYS = 1000


@dataclass(frozen=True)
class Entry:
    """One object of a listing."""

    key: str
    size: int
    etag: str
    last_modified: datetime


@dataclass(frozen=True)
class ListOptions:
    """A ListObjects (v1) or ListObjectsV2 request's options; `after` is the marker, start-after or token key."""

    v2: bool = False
    prefix: str = ""
    delimiter: str = ""
    max_keys: int = MAX_KEYS
    url_encoded: bool = False
    marker: str = ""
    continuation_token: str = ""
    start_after: str = ""

    @property
    def after(self) -> str:
        if not self.v2:
            return self.marker
        return _token_key(self.continuation_token) if self.continuation_token else self.start_after


@dataclass
class Page:
    """The keys (to be described as entries) and common prefixes of one page, in order."""

    keys: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    last: str = ""


def list_options(param: Callable[[str], str | None]) -> ListOptions:
    """Read the options from a request's query (`param(name)` → value or None)."""
    max_keys = param("max-keys")
    if max_keys is not None and not max_keys.isdigit():
        raise invalid_argument("max-keys must be a non-negative integer.", ArgumentName="max-keys",
                               ArgumentValue=max_keys)
    encoding = param("encoding-type")
    if encoding not in (None, "", "url"):
        raise invalid_argument("Invalid Encoding Method specified in Request", ArgumentName="encoding-type",
                               ArgumentValue=encoding)
    return ListOptions(
        v2=param("list-type") == "2", prefix=param("prefix") or "", delimiter=param("delimiter") or "",
        max_keys=min(int(max_keys), MAX_KEYS) if max_keys is not None else MAX_KEYS,
        url_encoded=encoding == "url", marker=param("marker") or "",
        continuation_token=param("continuation-token") or "", start_after=param("start-after") or "",
    )


def page_of(keys: Iterable[str], options: ListOptions) -> Page:
    """S3's rules: keys after `after` under `prefix`, those sharing a delimiter-cut prefix rolled up into
    one common prefix, at most `max_keys` items in all."""
    page, after, prefix, delimiter = Page(), options.after, options.prefix, options.delimiter
    for key in keys:
        if key <= after or not key.startswith(prefix):
            continue
        cut = key.find(delimiter, len(prefix)) if delimiter else -1
        item = key[:cut + len(delimiter)] if cut >= 0 else key
        if item == page.last or item == after:
            continue  # still inside the common prefix just rolled up (or ended the previous page on)
        if len(page.keys) + len(page.prefixes) >= options.max_keys:
            page.truncated = True
            break
        (page.prefixes if cut >= 0 else page.keys).append(item)
        page.last = item
    return page


def list_objects_xml(bucket: str, options: ListOptions, page: Page, entries: Sequence[Entry]) -> bytes:
    """ListBucketResult, v1 or v2, as S3 writes it."""
    encode = _encoder(options.url_encoded)
    root = _root("ListBucketResult")
    _add(root, "Name", bucket)
    _add(root, "Prefix", encode(options.prefix))
    if options.v2:
        if options.continuation_token:
            _add(root, "ContinuationToken", options.continuation_token)
        if options.start_after:
            _add(root, "StartAfter", encode(options.start_after))
        _add(root, "KeyCount", str(len(page.keys) + len(page.prefixes)))
    else:
        _add(root, "Marker", encode(options.marker))
    _add(root, "MaxKeys", str(options.max_keys))
    if options.delimiter:
        _add(root, "Delimiter", encode(options.delimiter))
    if options.url_encoded:
        _add(root, "EncodingType", "url")
    _add(root, "IsTruncated", "true" if page.truncated else "false")
    if page.truncated:
        if options.v2:
            _add(root, "NextContinuationToken", _token(page.last))
        else:
            _add(root, "NextMarker", encode(page.last))
    for entry in entries:
        contents = _add(root, "Contents")
        _add(contents, "Key", encode(entry.key))
        _add(contents, "LastModified", iso8601(entry.last_modified))
        _add(contents, "ETag", entry.etag)
        _add(contents, "Size", str(entry.size))
        _add(contents, "StorageClass", "STANDARD")
    for prefix in page.prefixes:
        _add(_add(root, "CommonPrefixes"), "Prefix", encode(prefix))
    return document(root)


def list_buckets_xml(buckets: Iterable[tuple[str, datetime]], owner: str) -> bytes:
    root = _root("ListAllMyBucketsResult")
    holder = _add(root, "Owner")
    _add(holder, "ID", owner)
    _add(holder, "DisplayName", owner)
    listed = _add(root, "Buckets")
    for name, created in buckets:
        bucket = _add(listed, "Bucket")
        _add(bucket, "Name", name)
        _add(bucket, "CreationDate", iso8601(created))
    return document(root)


def location_xml(region: str) -> bytes:
    """us-east-1 is written as an empty constraint, as S3 does."""
    root = _root("LocationConstraint")
    if region and region != "us-east-1":
        root.text = region
    return document(root)


def copy_result_xml(etag: str, last_modified: datetime) -> bytes:
    root = _root("CopyObjectResult")
    _add(root, "LastModified", iso8601(last_modified))
    _add(root, "ETag", etag)
    return document(root)


def parse_delete(body: bytes) -> tuple[list[str], bool]:
    """The keys of a DeleteObjects body and its Quiet flag; at most 1000 keys, as S3 allows."""
    root = _parse(body)
    keys = [_text(item, "Key") for item in root if _local(item.tag) == "Object"]
    if not keys or len(keys) > MAX_KEYS or "" in keys:
        raise OssError(400, "MalformedXML", "A Delete names 1 to 1000 Objects, each with a Key.")
    quiet = any(_local(item.tag) == "Quiet" and (item.text or "").strip() == "true" for item in root)
    return keys, quiet


def delete_result_xml(deleted: Iterable[str], errors: Iterable[tuple[str, OssError]]) -> bytes:
    root = _root("DeleteResult")
    for key in deleted:
        _add(_add(root, "Deleted"), "Key", key)
    for key, err in errors:
        error = _add(root, "Error")
        _add(error, "Key", key)
        _add(error, "Code", err.code)
        _add(error, "Message", err.message)
    return document(root)


def initiate_upload_xml(bucket: str, key: str, upload_id: str) -> bytes:
    root = _root("InitiateMultipartUploadResult")
    for tag, text in (("Bucket", bucket), ("Key", key), ("UploadId", upload_id)):
        _add(root, tag, text)
    return document(root)


def complete_upload_xml(bucket: str, key: str, etag: str) -> bytes:
    root = _root("CompleteMultipartUploadResult")
    for tag, text in (("Location", f"/{bucket}/{key}"), ("Bucket", bucket), ("Key", key), ("ETag", etag)):
        _add(root, tag, text)
    return document(root)


def list_parts_xml(bucket: str, key: str, upload_id: str, parts: Iterable[tuple[int, str, int, datetime]]) -> bytes:
    """ListPartsResult with every part, (number, ETag, size, last modified) each, on one page."""
    root = _root("ListPartsResult")
    for tag, text in (("Bucket", bucket), ("Key", key), ("UploadId", upload_id), ("StorageClass", "STANDARD"),
                      ("PartNumberMarker", "0"), ("MaxParts", str(MAX_KEYS)), ("IsTruncated", "false")):
        _add(root, tag, text)
    for number, etag, size, modified in parts:
        part = _add(root, "Part")
        _add(part, "PartNumber", str(number))
        _add(part, "LastModified", iso8601(modified))
        _add(part, "ETag", etag)
        _add(part, "Size", str(size))
    return document(root)


def list_uploads_xml(bucket: str, uploads: Iterable[tuple[str, str, datetime]]) -> bytes:
    """ListMultipartUploadsResult with every (key, upload id, initiated) on one page."""
    root = _root("ListMultipartUploadsResult")
    for tag, text in (("Bucket", bucket), ("KeyMarker", ""), ("UploadIdMarker", ""), ("MaxUploads", str(MAX_KEYS)),
                      ("IsTruncated", "false")):
        _add(root, tag, text)
    for key, upload_id, initiated in uploads:
        upload = _add(root, "Upload")
        _add(upload, "Key", key)
        _add(upload, "UploadId", upload_id)
        _add(upload, "StorageClass", "STANDARD")
        _add(upload, "Initiated", iso8601(initiated))
    return document(root)


def parse_complete(body: bytes) -> list[tuple[int, str]]:
    """The (part number, ETag) pairs of a CompleteMultipartUpload body, in the order given."""
    root = _parse(body)
    try:
        parts = [(int(_text(part, "PartNumber")), _text(part, "ETag")) for part in root if _local(part.tag) == "Part"]
    except ValueError:
        parts = []
    if not parts:
        raise OssError(400, "MalformedXML", "A CompleteMultipartUpload names one or more Parts by number.")
    return parts


def iso8601(when: datetime) -> str:
    """S3's timestamp form, whole seconds and `.000Z` (oss2 accepts nothing else)."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def document(root: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def _parse(body: bytes) -> ET.Element:
    try:
        return ET.fromstring(body)
    except ET.ParseError:
        raise OssError(400, "MalformedXML", "The XML you provided was not well-formed.") from None


def _root(tag: str) -> ET.Element:
    return ET.Element(tag, xmlns=NS)


def _add(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = text
    return child


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(parent: ET.Element, tag: str) -> str:
    return next((child.text or "" for child in parent if _local(child.tag) == tag), "")


def _encoder(url_encoded: bool) -> Callable[[str], str]:
    return (lambda text: quote(text, safe="/")) if url_encoded else (lambda text: text)


def _token(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode("utf-8")).decode("ascii")


def _token_key(token: str) -> str:
    try:
        return base64.b64decode(token.encode("ascii"), altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise invalid_argument("The continuation token provided is incorrect.", ArgumentName="continuation-token",
                               ArgumentValue=token) from None
