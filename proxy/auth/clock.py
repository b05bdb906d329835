"""Time rules: header signatures may be 15 minutes off the server clock; presigned URLs live for a bounded time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from proxy.auth.errors import MAX_SKEW_MS, expired, malformed, not_yet_valid, query_parameters_error, too_skewed

MAX_SKEW = timedelta(milliseconds=MAX_SKEW_MS)
MAX_EXPIRES_S = 604_800  # one week, the AWS and OSS limit for presigned URLs
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_SIGNED_NUMBER = re.compile(r"[+-]?[0-9]{1,19}")  # what S3 reads as a number: a long, optionally signed


def utc(moment: datetime) -> datetime:
    """Treat a naive datetime as UTC so callers may pass either."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_timestamp(text: str) -> datetime | None:
    """`20231216T162057Z` (X-Amz-Date, x-oss-date) → aware datetime; None when absent or malformed."""
    try:
        return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def check_skew(request_time: datetime, raw: str, now: datetime) -> None:
    """Header signatures: a captured request cannot be replayed once the clock has moved on."""
    if abs(request_time - now) > MAX_SKEW:
        raise too_skewed(raw, now)


def parse_expires(text: str | None, name: str) -> int:
    """A presigned lifetime in seconds, 1..604800."""
    if text is None or not text.isdigit() or not 1 <= int(text) <= MAX_EXPIRES_S:
        raise malformed(f"{name} must be a number of seconds from 1 to {MAX_EXPIRES_S}.", name, text or "")
    return int(text)


def parse_amz_expires(text: str) -> int:
    """`X-Amz-Expires` as S3 reads it: 0 to 604800 seconds, else S3's 400 AuthorizationQueryParametersError.
    (0 is a URL already expired: `check_window` answers 403 AccessDenied, as S3 does.)"""
    if not _SIGNED_NUMBER.fullmatch(text):
        raise query_parameters_error("X-Amz-Expires should be a number")
    lifetime = int(text)
    if lifetime < 0:
        raise query_parameters_error("X-Amz-Expires must be non-negative")
    if lifetime > MAX_EXPIRES_S:
        raise query_parameters_error(f"X-Amz-Expires must be less than a week (in seconds); that is, the given "
                                     f"X-Amz-Expires must be less than {MAX_EXPIRES_S} seconds")
    return lifetime


def check_window(signed_at: datetime, lifetime_s: int, now: datetime) -> None:
    """V4 presigned URLs are valid from their signing time (less the allowed skew) for `lifetime_s` seconds."""
    if signed_at - now > MAX_SKEW:
        raise not_yet_valid(signed_at, now)
    check_expiry(signed_at + timedelta(seconds=lifetime_s), now)


def check_expiry(expires_at: datetime, now: datetime) -> None:
    if now > expires_at:
        raise expired(expires_at, now)
