"""HTTP-dates (RFC 9110) to and from aware datetimes, remembered: the same few dates come back on every request."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache


@lru_cache(maxsize=1024)
def http_date(when: datetime) -> str:
    """RFC 1123 date as HTTP headers carry it; any aware datetime (botocore's `tzutc` too). Remembered:
    the same few objects' dates are formatted on every response about them."""
    return format_datetime(when.astimezone(UTC), usegmt=True)


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP-date as an aware UTC datetime, or None when absent or invalid (RFC: then ignored)."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
