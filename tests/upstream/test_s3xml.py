"""S3's listing rules and XML, as the local backend writes them."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from proxy.errors import OssError
from proxy.upstream.s3xml import Entry, ListOptions, list_objects_xml, list_options, page_of, parse_delete

KEYS = ["a/1", "a/2", "a/b/3", "a/b/4", "b", "c/5"]


def test_delimiter_rolls_keys_up_into_common_prefixes():
    page = page_of(KEYS, ListOptions(delimiter="/"))
    assert (page.keys, page.prefixes, page.truncated) == (["b"], ["a/", "c/"], False)


def test_a_page_ending_on_a_common_prefix_resumes_after_all_of_it():
    first = page_of(KEYS, ListOptions(prefix="a/", delimiter="/", max_keys=3))
    assert (first.keys, first.prefixes, first.truncated, first.last) == (["a/1", "a/2"], ["a/b/"], False, "a/b/")
    tight = page_of(KEYS, ListOptions(delimiter="/", max_keys=1))
    assert (tight.prefixes, tight.truncated, tight.last) == (["a/"], True, "a/")
    after = page_of(KEYS, ListOptions(delimiter="/", max_keys=1, marker=tight.last))
    assert (after.keys, after.prefixes) == (["b"], [])


def test_continuation_tokens_carry_the_last_item():
    options = ListOptions(v2=True, max_keys=4)
    root = ET.fromstring(list_objects_xml("bk", options, page_of(KEYS, options), []))
    token = root.find("{http://s3.amazonaws.com/doc/2006-03-01/}NextContinuationToken").text
    assert page_of(KEYS, ListOptions(v2=True, max_keys=4, continuation_token=token)).keys == ["b", "c/5"]


def test_url_encoding_and_times_are_written_as_s3_does():
    options = ListOptions(url_encoded=True, prefix="d e")
    when = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    body = list_objects_xml("bk", options, page_of(["d e+f"], options), [Entry("d e+f", 3, '"e"', when)])
    assert b"<Key>d%20e%2Bf</Key>" in body and b"<Prefix>d%20e</Prefix>" in body
    assert b"<LastModified>2024-05-06T07:08:09.000Z</LastModified>" in body


@pytest.mark.parametrize("query", [{"max-keys": "-1"}, {"encoding-type": "base64"}])
def test_bad_list_options_are_invalid_arguments(query):
    with pytest.raises(OssError) as caught:
        list_options(query.get)
    assert caught.value.code == "InvalidArgument"


def test_bad_continuation_token_is_an_invalid_argument():
    with pytest.raises(OssError):
        page_of(KEYS, ListOptions(v2=True, continuation_token="%%%"))


def test_delete_bodies_with_or_without_namespace_and_quiet():
    assert parse_delete(b"<Delete><Quiet>true</Quiet><Object><Key>a</Key></Object></Delete>") == (["a"], True)
    namespaced = b'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>b</Key></Object></Delete>'
    assert parse_delete(namespaced) == (["b"], False)
    for bad in (b"<Delete/>", b"not xml", b"<Delete><Object><Key></Key></Object></Delete>"):
        with pytest.raises(OssError) as caught:
            parse_delete(bad)
        assert caught.value.code == "MalformedXML"
