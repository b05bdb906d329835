"""RFC 9110 preconditions and single ranges, judged without any backend."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from proxy.errors import OssError
from proxy.upstream.conditional import (
    ANY,
    ByteRange,
    EntityTag,
    Preconditions,
    parse_etags,
    parse_http_date,
    parse_range,
    select,
)
from proxy.upstream.objects import Conditions, ObjectMeta

MODIFIED = datetime(2024, 5, 1, 12, 0, 0, 750_000, tzinfo=UTC)
META = ObjectMeta(size=100, etag='"abc"', last_modified=MODIFIED)
BEFORE = "Tue, 30 Apr 2024 12:00:00 GMT"
AT = "Wed, 01 May 2024 12:00:00 GMT"
AFTER = "Thu, 02 May 2024 12:00:00 GMT"


def outcome(**headers: str) -> int:
    """The status a GET with these headers gets: 200/206, or the error's 304/412/416."""
    try:
        return select(Conditions(**headers), META).status
    except OssError as err:
        return err.status


@pytest.mark.parametrize(("header", "expected"), [
    ("bytes=0-9", ByteRange(0, 9)),
    ("bytes=10-", ByteRange(10, None)),
    ("bytes=-5", ByteRange(None, 5)),
    ("Bytes = 1 - 2 ", ByteRange(1, 2)),
    ("bytes=0-1,3-4", None),
    ("bytes=5-4", None),
    ("bytes=-", None),
    ("bytes=a-b", None),
    ("pages=1-2", None),
    ("", None),
    (None, None),
])
def test_parse_range_keeps_one_valid_range_and_drops_the_rest(
    header: str | None, expected: ByteRange | None,
) -> None:
    assert parse_range(header) == expected


@pytest.mark.parametrize(("wanted", "size", "span"), [
    (ByteRange(0, 9), 100, (0, 9)),
    (ByteRange(90, 200), 100, (90, 99)),
    (ByteRange(99, None), 100, (99, 99)),
    (ByteRange(None, 10), 100, (90, 99)),
    (ByteRange(None, 500), 100, (0, 99)),
])
def test_range_resolves_within_the_object(
    wanted: ByteRange, size: int, span: tuple[int, int],
) -> None:
    assert wanted.resolve(size) == span


@pytest.mark.parametrize(("wanted", "size"), [
    (ByteRange(100, None), 100), (ByteRange(None, 0), 100), (ByteRange(0, None), 0),
    (ByteRange(None, 5), 0),
])
def test_unsatisfiable_range_is_416(wanted: ByteRange, size: int) -> None:
    with pytest.raises(OssError) as caught:
        wanted.resolve(size)
    assert (caught.value.status, caught.value.code) == (416, "InvalidRange")


def test_range_header_round_trips_to_its_canonical_form() -> None:
    assert [parse_range(h).header for h in ("Bytes=1-2", "bytes= 7-", "bytes=-3")] == [
        "bytes=1-2", "bytes=7-", "bytes=-3",
    ]


def test_parse_etags_reads_lists_weak_tags_bare_tokens_and_star() -> None:
    assert parse_etags('"a", W/"b" ,c') == (
        EntityTag('"a"'), EntityTag('"b"', weak=True), EntityTag('"c"'),
    )
    assert parse_etags('"with,comma"') == (EntityTag('"with,comma"'),)
    assert parse_etags(" * ") == ANY
    assert parse_etags('"unterminated') is None
    assert parse_etags("") is None


def test_parse_http_date_accepts_http_dates_and_ignores_garbage() -> None:
    assert parse_http_date(AT) == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert parse_http_date("Wed May  1 12:00:00 2024") == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert parse_http_date("yesterday") is None


def test_whole_object_is_200_and_a_range_206_with_content_range() -> None:
    whole = select(None, META)
    part = select(Conditions(range="bytes=10-19"), META)

    assert (whole.status, whole.start, whole.length, whole.content_range) == (200, 0, 100, None)
    assert (part.status, part.start, part.length, part.content_range) == (
        206, 10, 10, "bytes 10-19/100",
    )


@pytest.mark.parametrize(("headers", "status"), [
    ({"if_none_match": '"abc"'}, 304),
    ({"if_none_match": 'W/"abc"'}, 304),
    ({"if_none_match": '"x", "abc"'}, 304),
    ({"if_none_match": "*"}, 304),
    ({"if_none_match": '"x"'}, 200),
    ({"if_modified_since": AT}, 304),
    ({"if_modified_since": AFTER}, 304),
    ({"if_modified_since": BEFORE}, 200),
    ({"if_modified_since": "not a date"}, 200),
    ({"if_match": '"abc"'}, 200),
    ({"if_match": '"x", "abc"'}, 200),
    ({"if_match": "*"}, 200),
    ({"if_match": 'W/"abc"'}, 412),
    ({"if_match": '"x"'}, 412),
    ({"if_unmodified_since": AT}, 200),
    ({"if_unmodified_since": BEFORE}, 412),
    ({"if_unmodified_since": "garbage"}, 200),
], ids=lambda v: str(v))
def test_each_condition_alone(headers: dict[str, str], status: int) -> None:
    assert outcome(**headers) == status


@pytest.mark.parametrize(("headers", "status"), [
    # If-Match wins over If-Unmodified-Since, which is then not evaluated.
    ({"if_match": '"abc"', "if_unmodified_since": BEFORE}, 200),
    # If-None-Match wins over If-Modified-Since, both ways.
    ({"if_none_match": '"x"', "if_modified_since": AFTER}, 200),
    ({"if_none_match": '"abc"', "if_modified_since": BEFORE}, 304),
    # A failed If-Match is 412 even when If-None-Match would have said 304.
    ({"if_match": '"x"', "if_none_match": '"abc"'}, 412),
    # Preconditions come before the range: 304 rather than 416.
    ({"if_none_match": '"abc"', "range": "bytes=500-"}, 304),
    ({"if_match": '"abc"', "range": "bytes=0-0"}, 206),
    ({"range": "bytes=500-"}, 416),
], ids=lambda v: str(v))
def test_rfc_9110_precedence(headers: dict[str, str], status: int) -> None:
    assert outcome(**headers) == status


def test_not_modified_carries_the_validators() -> None:
    with pytest.raises(OssError) as caught:
        Preconditions.parse(Conditions(if_none_match='"abc"')).check(META)

    assert caught.value.extra == {"ETag": '"abc"', "Last-Modified": AT}


def test_parse_drops_what_rfc_9110_would_not_evaluate() -> None:
    parsed = Preconditions.parse(Conditions(
        if_match='"a"', if_unmodified_since=AT, if_none_match='"b"', if_modified_since=AT,
    ))

    assert parsed == Preconditions(if_match=(EntityTag('"a"'),), if_none_match=(EntityTag('"b"'),))
