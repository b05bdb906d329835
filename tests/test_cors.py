"""Which CORS rule admits a browser's request, matched as S3 matches: one `*` per origin or header pattern."""

import pytest

from proxy.cors import CorsRule, allowed_headers, matching_rule, requested_headers, wildcard_match


@pytest.mark.parametrize(("pattern", "value", "matches"), [
    ("*", "https://any.test", True),
    ("https://*.example.com", "https://a.b.example.com", True),
    ("https://*.example.com", "https://example.com", False),
    ("https://*.example.com", "http://a.example.com", False),
    ("a*a", "a", False),  # head and tail may not share a character
    ("a*a", "aa", True),
    ("https://app.test", "https://app.test", True),
    ("https://app.test", "https://app.test.evil", False),
    ("x-amz-meta-*", "x-amz-meta-", True),
])
def test_one_star_stands_for_any_run_of_characters(pattern, value, matches):
    assert wildcard_match(pattern, value) is matches


def test_the_first_admitting_rule_wins_and_headers_compare_without_case():
    narrow = CorsRule(("https://app.test",), ("PUT",), ("Content-Type", "X-Amz-Meta-*"), ("ETag",), 60)
    wide = CorsRule(("*",), ("GET", "PUT"))
    rules = (narrow, wide)
    wanted = requested_headers(" Content-Type ,X-AMZ-META-Owner,, ")
    assert wanted == ("content-type", "x-amz-meta-owner")
    assert matching_rule(rules, "https://app.test", "PUT", wanted) is narrow
    assert matching_rule(rules, "https://app.test", "PUT", ("authorization",)) is None  # `wide` allows no headers
    assert matching_rule(rules, "https://app.test", "GET") is wide
    assert matching_rule(rules, "https://app.test", "DELETE") is None


def test_a_rule_open_to_all_grants_star_and_a_named_origin_gets_credentials():
    assert allowed_headers(CorsRule(("*",), ("GET",)), "https://a.test") == {
        "Access-Control-Allow-Methods": "GET", "Access-Control-Allow-Origin": "*"}
    assert allowed_headers(CorsRule(("https://*.test",), ("GET", "HEAD"), (), ("ETag", "x-amz-meta-a"), 0),
                           "https://a.test") == {
        "Access-Control-Allow-Methods": "GET, HEAD", "Access-Control-Allow-Origin": "https://a.test",
        "Access-Control-Allow-Credentials": "true", "Access-Control-Expose-Headers": "ETag, x-amz-meta-a",
        "Access-Control-Max-Age": "0"}
