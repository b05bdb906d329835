"""Query-string parsing that keeps a raw `+`: OSS process values carry standard Base64 text."""

from __future__ import annotations

from urllib.parse import unquote


def parse_query(raw: str) -> dict[str, str]:
    """Split `a=1&b&c=x%2Fy` into names → values, each percent-decoded once, `+` left as is.

    The first occurrence of a name wins; a bare name maps to "".
    """
    params: dict[str, str] = {}
    for part in raw.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        params.setdefault(unquote(name), unquote(value))
    return params
