"""Which bucket and key a request names: path-style, virtual-hosted, or single-bucket."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from proxy.config import ServerConfig


@dataclass(frozen=True)
class Address:
    """`bucket` is "" for service-level requests (`GET /`); `key` is "" for bucket-level ones."""

    bucket: str
    key: str


def resolve_address(host: str, raw_path: str, server: ServerConfig) -> Address:
    """Resolve a request's Host header and raw (still percent-encoded) path."""
    path = unquote(raw_path)
    if server.single_bucket:
        return Address(server.single_bucket, path[1:])
    bucket = _virtual_host_bucket(host, server.virtual_host_domain)
    if bucket:
        return Address(bucket, path[1:])
    bucket, _, key = path[1:].partition("/")
    return Address(bucket, key)


def _virtual_host_bucket(host: str, domain: str) -> str:
    if not domain:
        return ""
    name = host.lower().rsplit(":", 1)[0] if not host.startswith("[") else ""
    domain_name = domain.lower().rsplit(":", 1)[0]
    suffix = "." + domain_name
    if name.endswith(suffix) and len(name) > len(suffix):
        return name[: -len(suffix)]
    return ""


def split_style(key: str, delimiters: str, styles: Mapping[str, str]) -> tuple[str, str | None]:
    """`a.jpg!thumb` → ("a.jpg", "thumb") when `!` is a configured delimiter and `thumb` a style: split at the
    last delimiter whose suffix names an existing style, else keep the whole key."""
    for index in range(len(key) - 1, 0, -1):
        if key[index] in delimiters and key[index + 1:] in styles:
            return key[:index], key[index + 1:]
    return key, None
