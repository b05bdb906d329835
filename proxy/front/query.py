"""Query-string parsing that keeps a raw `+`: OSS process values carry standard Base64 text."""

from __future__ import annotations

from urllib.parse import unquote

PROCESS = "x-oss-process"  # the parameter that asks for a processed read


def query_pairs(raw: str) -> list[tuple[str, str]]:
    """Split `a=1&b&c=x%2Fy` into (name, value) pairs in wire order, each percent-decoded once, `+` left
    as is; a bare name has the value ""."""
    pairs = []
    for part in raw.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((unquote(name), unquote(value)))
    return pairs


def parse_query(raw: str) -> dict[str, str]:
    """`query_pairs` as names → values; the first occurrence of a name wins."""
    params: dict[str, str] = {}
    for name, value in query_pairs(raw):
        params.setdefault(name, value)
    return params
