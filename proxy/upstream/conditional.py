"""RFC 9110 conditional requests and single byte ranges, judged against an `ObjectMeta`.

Pure functions, shared by the local backend, the S3 backend (for what its upstream cannot judge)
and the front (for processed renditions).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from proxy.httpdate import parse_http_date
from proxy.upstream.errors import invalid_range, not_modified, precondition_failed
from proxy.upstream.objects import Conditions, ObjectMeta

ANY = "*"

_ETAG = re.compile(r'\s*(W/)?("[^"]*"|[^",\s]+)\s*(?:,|$)')
_RANGE = re.compile(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class EntityTag:
    """One entity-tag; `opaque` keeps its quotes so it compares with `ObjectMeta.etag` as sent."""

    opaque: str
    weak: bool = False

    def strong_match(self, other: EntityTag) -> bool:
        return not self.weak and not other.weak and self.opaque == other.opaque

    def weak_match(self, other: EntityTag) -> bool:
        return self.opaque == other.opaque


ETagList = tuple[EntityTag, ...] | str  # a list of tags, or ANY


@lru_cache(maxsize=256)
def parse_etags(value: str | None) -> ETagList | None:
    """`*` or the tags of a comma list; bare tokens count as quoted (S3 clients send them). Remembered: a
    CDN revalidates a popular rendition with the same If-None-Match over and over."""
    if value is None or not value.strip():
        return None
    if value.strip() == ANY:
        return ANY
    tags, pos = [], 0
    while pos < len(value):
        found = _ETAG.match(value, pos)
        if found is None or found.end() == pos:
            return None
        weak, opaque = found.groups()
        tags.append(EntityTag(opaque if opaque.startswith('"') else f'"{opaque}"', bool(weak)))
        pos = found.end()
    return tuple(tags) or None


@dataclass(frozen=True)
class ByteRange:
    """A syntactically valid single range: `first`-`last`, `first`-, or -`last` (the final bytes)."""

    first: int | None
    last: int | None

    @property
    def header(self) -> str:
        """The canonical `Range` value, safe to forward to an upstream."""
        first = "" if self.first is None else str(self.first)
        last = "" if self.last is None else str(self.last)
        return f"bytes={first}-{last}"

    def resolve(self, size: int) -> tuple[int, int]:
        """Inclusive (start, end) within an object of `size` bytes; raises `invalid_range` (416)."""
        if self.first is None:
            suffix = self.last or 0
            if suffix == 0 or size == 0:
                raise invalid_range(size)
            return max(size - suffix, 0), size - 1
        if self.first >= size:
            raise invalid_range(size)
        last = size - 1 if self.last is None else min(self.last, size - 1)
        return self.first, last


def parse_range(value: str | None) -> ByteRange | None:
    """One `bytes=` range, or None when absent, multiple or malformed (HTTP: serve the whole)."""
    if not value:
        return None
    found = _RANGE.fullmatch(value)
    if found is None:
        return None
    first = int(found[1]) if found[1] else None
    last = int(found[2]) if found[2] else None
    if first is None and last is None:
        return None
    if first is not None and last is not None and last < first:
        return None
    return ByteRange(first, last)


@dataclass(frozen=True)
class Preconditions:
    """The conditional headers parsed and reduced to those RFC 9110 §13.2.2 evaluates, so that what remains can be
    forwarded to an upstream as it stands."""

    if_match: ETagList | None = None
    if_unmodified_since: datetime | None = None
    if_none_match: ETagList | None = None
    if_modified_since: datetime | None = None

    @classmethod
    def parse(cls, conditions: Conditions) -> Preconditions:
        if_match = parse_etags(conditions.if_match)
        if_none_match = parse_etags(conditions.if_none_match)
        # If-Unmodified-Since is dropped when If-Match is present, If-Modified-Since when If-None-Match is,
        # and invalid dates always.
        return cls(
            if_match=if_match,
            if_unmodified_since=None if if_match else parse_http_date(conditions.if_unmodified_since),
            if_none_match=if_none_match,
            if_modified_since=None if if_none_match else parse_http_date(conditions.if_modified_since),
        )

    def check(self, meta: ObjectMeta) -> None:
        """Raise `precondition_failed` (412) or `not_modified` (304) as a GET or HEAD must."""
        current = parse_etags(meta.etag)
        tag = current[0] if isinstance(current, tuple) else EntityTag(meta.etag)
        modified = meta.last_modified.replace(microsecond=0)
        if self.if_match is not None and not _matches(self.if_match, tag, EntityTag.strong_match):
            raise precondition_failed()
        if self.if_unmodified_since is not None and modified > self.if_unmodified_since:
            raise precondition_failed()
        if self.if_none_match is not None and _matches(self.if_none_match, tag, EntityTag.weak_match):
            raise not_modified(meta)
        if self.if_modified_since is not None and modified <= self.if_modified_since:
            raise not_modified(meta)


def _matches(
    tags: ETagList, current: EntityTag, same: Callable[[EntityTag, EntityTag], bool]
) -> bool:
    return tags == ANY or any(same(tag, current) for tag in tags)


@dataclass(frozen=True)
class Selection:
    """What a GET answers with: 200 for the whole object, or 206 for `length` bytes from `start`."""

    status: int
    start: int
    length: int
    size: int

    @property
    def content_range(self) -> str | None:
        if self.status != 206:
            return None
        return f"bytes {self.start}-{self.start + self.length - 1}/{self.size}"


def select(conditions: Conditions | None, meta: ObjectMeta) -> Selection:
    """Judge a GET: preconditions first (raising 304 / 412), then the range (raising 416)."""
    conditions = conditions or Conditions()
    Preconditions.parse(conditions).check(meta)
    wanted = parse_range(conditions.range)
    if wanted is None:
        return Selection(200, 0, meta.size, meta.size)
    start, end = wanted.resolve(meta.size)
    return Selection(206, start, end - start + 1, meta.size)
