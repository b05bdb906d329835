"""Typed settings: a TOML file, then `OSPREY_<SECTION>_<KEY>` environment overrides, validated once."""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proxy.cors import METHODS, CorsRule
from proxy.limits import MIN_WORKER_MEMORY, Limits
from proxy.names import BUCKET_NAME_RULE, is_bucket_name


class ConfigError(Exception):
    """A bad setting; the message is one line naming the key, the value and what is allowed."""


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    virtual_host_domain: str = ""
    single_bucket: str = ""
    cache_control: str = "public, max-age=86400"
    log_level: str = "info"
    log_format: str = "json"
    metrics_port: int = 0
    drain_timeout_s: float = 25.0
    trust_unsigned_process: bool = False
    header_timeout_s: float = 20.0
    body_idle_timeout_s: float = 20.0
    keepalive_timeout_s: float = 75.0
    max_connections: int = 1024
    max_chunked_upload_bytes: int = 5 * 1024**3  # S3's largest single PUT
    spool_dir: str = ""


@dataclass(frozen=True)
class UpstreamConfig:
    type: str = "local"
    endpoint: str = ""
    region: str = "us-east-1"
    access_key_id: str = ""
    secret_access_key: str = ""
    root: str = "./data"
    addressing_style: str = "path"
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    max_connections: int = 64


@dataclass(frozen=True)
class Credential:
    access_key_id: str = ""
    secret_access_key: str = ""


@dataclass(frozen=True)
class BucketConfig:
    anonymous: str = "none"
    styles: Mapping[str, str] = field(default_factory=dict)
    style_delimiters: str = ""
    auto_format: tuple[str, ...] = ()
    protect_source: tuple[str, ...] = ()
    cors: tuple[CorsRule, ...] = ()


@dataclass(frozen=True)
class CacheConfig:
    max_bytes: int = 256 * 1024 * 1024
    max_entry_bytes: int = 32 * 1024 * 1024
    source_max_bytes: int = 128 * 1024 * 1024
    revalidate_after_s: float = 0.0
    l2_bucket: str = ""
    l2_prefix: str = "osprey-cache/"
    l2_max_age_s: float = 0.0


@dataclass(frozen=True)
class Config:
    server: ServerConfig = field(default_factory=ServerConfig)
    upstream: UpstreamConfig = field(default_factory=UpstreamConfig)
    credentials: tuple[Credential, ...] = ()
    buckets: Mapping[str, BucketConfig] = field(default_factory=dict)
    cache: CacheConfig = field(default_factory=CacheConfig)
    limits: Limits = field(default_factory=Limits)

    def bucket(self, name: str) -> BucketConfig:
        """Settings of a bucket; one not listed is private and has no styles."""
        return self.buckets.get(name, BucketConfig())


_SECTIONS: dict[str, type] = {
    "server": ServerConfig,
    "upstream": UpstreamConfig,
    "cache": CacheConfig,
    "limits": Limits,
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "upstream.type": ("local", "s3"),
    "upstream.addressing_style": ("path", "virtual", "auto"),
    "buckets.anonymous": ("none", "read"),
    "buckets.auto_format": ("avif", "webp"),
    "server.log_level": ("debug", "info", "warning", "error"),
    "server.log_format": ("json", "text"),
    "limits.doc_sandbox": ("bwrap", "none"),
}
_NON_NEGATIVE = {
    "cache.max_bytes", "cache.source_max_bytes", "cache.revalidate_after_s", "cache.l2_max_age_s",
    "limits.workers", "limits.worker_memory_bytes", "limits.heavy_workers", "limits.crc64_buffer_bytes", "server.port",
    "server.metrics_port", "server.drain_timeout_s",
}
_STYLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,63}$")
_DELIMITERS = set("-_/!")


def _fail(key: str, value: Any, allowed: str) -> ConfigError:
    return ConfigError(f"config error: {key} = {value!r} is not allowed; expected {allowed}")


def _coerce(key: str, value: Any, kind: Any) -> Any:
    """Convert one raw value (TOML or environment text) to the field's type, or fail with one line."""
    if kind is bool:
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            value = value.strip().lower() == "true"
        if not isinstance(value, bool):
            raise _fail(key, value, "true or false")
        return value
    if kind is int:
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail(key, value, "a whole number")
    elif kind is float:
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise _fail(key, value, "a number") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(key, value, "a number")
        value = float(value)
    elif kind == tuple[str, ...]:
        items = [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
            raise _fail(key, value, "a list of strings")
        allowed = _CHOICES.get(re.sub(r"^buckets\.[^.]+\.", "buckets.", key), ())
        bad = [v for v in items if allowed and v not in allowed]
        if bad:
            raise _fail(key, value, "a list of " + ", ".join(repr(c) for c in allowed))
        return tuple(items)
    elif not isinstance(value, str):
        raise _fail(key, value, "a string")
    choices = _CHOICES.get(re.sub(r"^buckets\.[^.]+\.", "buckets.", key))
    if choices and value not in choices:
        raise _fail(key, value, "one of " + ", ".join(repr(c) for c in choices))
    if isinstance(value, int | float) and not isinstance(value, bool):
        floor = 0 if key in _NON_NEGATIVE else 1
        if value < floor:
            raise _fail(key, value, f"a number >= {floor}")
    return value


def _build(cls: type, section: str, raw: Any) -> Any:
    if not isinstance(raw, Mapping):
        raise _fail(section, raw, "a table")
    kinds = typing.get_type_hints(cls)  # the fields' types as types (annotations here are text)
    values = {}
    for name, value in raw.items():
        key = f"{section}.{name}"
        if name not in kinds:
            raise _fail(key, value, "no such key; known keys are " + ", ".join(kinds))
        values[name] = _coerce(key, value, kinds[name])
    return cls(**values)


def _build_bucket(name: str, raw: Any) -> BucketConfig:
    if not is_bucket_name(name):
        raise _fail(f"buckets.{name}", name, BUCKET_NAME_RULE)
    if not isinstance(raw, Mapping):
        raise _fail(f"buckets.{name}", raw, "a table")
    raw = dict(raw)
    styles = raw.pop("styles", {})
    if isinstance(styles, str):
        styles = _parse_inline_table(f"buckets.{name}.styles", styles)
    cors = _build_cors(f"buckets.{name}.cors", raw.pop("cors", []))
    if not isinstance(styles, Mapping):
        raise _fail(f"buckets.{name}.styles", styles, "a table of style name = process string")
    for style, content in styles.items():
        if not _STYLE_NAME.match(style) or not isinstance(content, str) or not content:
            raise _fail(
                f"buckets.{name}.styles.{style}", content,
                "a style name of 1-63 letters, digits, '_', '-', '.' mapped to a process string",
            )
    bucket = _build(BucketConfig, f"buckets.{name}", raw)
    delimiters = bucket.style_delimiters
    if not set(delimiters) <= _DELIMITERS:
        raise _fail(f"buckets.{name}.style_delimiters", delimiters, "characters among '-_/!'")
    return dataclasses.replace(bucket, styles=dict(styles), cors=cors)


_CORS_LISTS = ("allowed_origins", "allowed_methods", "allowed_headers", "expose_headers")


def _build_cors(key: str, raw: Any) -> tuple[CorsRule, ...]:
    """`[[buckets.<name>.cors]]` tables (or, from the environment, a TOML array of inline tables) as rules."""
    if isinstance(raw, str):
        raw = _parse_inline_table(key, raw, '[{allowed_origins = ["*"], allowed_methods = ["GET"]}]')
    if not isinstance(raw, list) or not all(isinstance(table, Mapping) for table in raw):
        raise _fail(key, raw, "an array of tables ([[buckets.<name>.cors]])")
    return tuple(_build_cors_rule(f"{key}[{i}]", table) for i, table in enumerate(raw))


def _build_cors_rule(key: str, table: Mapping[str, Any]) -> CorsRule:
    unknown = set(table) - {*_CORS_LISTS, "max_age_s"}
    if unknown:
        name = sorted(unknown)[0]
        raise _fail(f"{key}.{name}", table[name], "no such key; known keys are " + ", ".join(_CORS_LISTS)
                    + ", max_age_s")
    lists = {name: _coerce(f"{key}.{name}", table.get(name, []), tuple[str, ...]) for name in _CORS_LISTS}
    for name in ("allowed_origins", "allowed_headers"):
        if any(value.count("*") > 1 for value in lists[name]):
            raise _fail(f"{key}.{name}", list(lists[name]), "strings with at most one '*' each")
    if not lists["allowed_origins"]:
        raise _fail(f"{key}.allowed_origins", [], "at least one origin, such as \"https://app.example.com\" or \"*\"")
    methods = tuple(method.upper() for method in lists["allowed_methods"])
    if not methods or not set(methods) <= set(METHODS):
        raise _fail(f"{key}.allowed_methods", list(lists["allowed_methods"]), "a list among " + ", ".join(METHODS))
    max_age = table.get("max_age_s")
    if max_age is not None and (not isinstance(max_age, int) or isinstance(max_age, bool) or max_age < 0):
        raise _fail(f"{key}.max_age_s", max_age, "a whole number of seconds >= 0")
    return CorsRule(lists["allowed_origins"], methods, lists["allowed_headers"], lists["expose_headers"], max_age)


def _parse_inline_table(key: str, text: str, example: str = '{name = "value"}') -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        shape = "a TOML inline table" if example.startswith("{") else "a TOML array of inline tables"
        raise _fail(key, text, f"{shape} like {example}") from None


def _env_overrides(raw: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """Fold `OSPREY_<SECTION>_<KEY>` variables into the raw TOML tree."""
    merged = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in raw.items()}
    for var, value in sorted(environ.items()):
        if not var.startswith("OSPREY_"):
            continue
        rest = var[len("OSPREY_"):].lower()
        section, _, key = rest.partition("_")
        if section in _SECTIONS:
            merged.setdefault(section, {})[key] = value
        elif section == "credentials":
            creds = [dict(c) for c in merged.get("credentials", [])] or [{}]
            creds[0][key] = value
            merged["credentials"] = creds
        elif section == "buckets":
            bucket, setting = _split_bucket_var(var, key)
            buckets = merged.setdefault("buckets", {})
            buckets[bucket] = {**buckets.get(bucket, {}), setting: value}
        else:
            raise _fail(var, value, "OSPREY_<SECTION>_<KEY> with a section among "
                        + ", ".join([*_SECTIONS, "credentials", "buckets"]))
    return merged


def _split_bucket_var(var: str, rest: str) -> tuple[str, str]:
    """`OSPREY_BUCKETS_MY_PHOTOS_ANONYMOUS` → ("my-photos", "anonymous"): bucket names have no `_`."""
    settings = [f.name for f in dataclasses.fields(BucketConfig)]
    for setting in sorted(settings, key=len, reverse=True):  # the longest first: one may end another
        if rest.endswith("_" + setting):
            return rest[: -len(setting) - 1].replace("_", "-"), setting
    raise _fail(var, "", f"OSPREY_BUCKETS_<NAME>_<{'|'.join(s.upper() for s in settings)}>")


def parse_config(raw: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Config:
    """Build a validated Config from a TOML tree and the environment."""
    tree = _env_overrides(dict(raw), os.environ if environ is None else environ)
    unknown = set(tree) - {*_SECTIONS, "credentials", "buckets"}
    if unknown:
        name = sorted(unknown)[0]
        raise _fail(name, tree[name], "a section among server, upstream, credentials, buckets, cache, limits")
    sections = {name: _build(cls, name, tree.get(name, {})) for name, cls in _SECTIONS.items()}
    raw_creds = tree.get("credentials", [])
    if not isinstance(raw_creds, list):
        raise _fail("credentials", raw_creds, "an array of tables ([[credentials]])")
    credentials = tuple(_build(Credential, "credentials", c) for c in raw_creds)
    for i, cred in enumerate(credentials):
        if not cred.access_key_id or not cred.secret_access_key:
            raise _fail(f"credentials[{i}]", cred.access_key_id, "both access_key_id and secret_access_key")
    raw_buckets = tree.get("buckets", {})
    if not isinstance(raw_buckets, Mapping):
        raise _fail("buckets", raw_buckets, "tables named [buckets.<name>]")
    buckets = {name: _build_bucket(name, b) for name, b in raw_buckets.items()}
    config = Config(credentials=credentials, buckets=buckets, **sections)
    _check_consistency(config)
    return config


def _check_consistency(config: Config) -> None:
    up = config.upstream
    metrics_port = config.server.metrics_port
    if metrics_port and (metrics_port > 65535 or metrics_port == config.server.port):
        raise _fail("server.metrics_port", metrics_port, "0 (off) or a port up to 65535 other than server.port")
    l2 = config.cache.l2_bucket
    if l2 and not is_bucket_name(l2):
        raise _fail("cache.l2_bucket", l2, f"{BUCKET_NAME_RULE} (or empty: off)")
    if up.type == "s3" and not up.endpoint and not up.region:
        raise _fail("upstream.endpoint", up.endpoint, "an endpoint URL or a region for type 's3'")
    if up.endpoint and not re.match(r"^https?://[^/\s]+/?$", up.endpoint):
        raise _fail("upstream.endpoint", up.endpoint, "an URL like http://127.0.0.1:9000")
    if up.type == "s3" and bool(up.access_key_id) != bool(up.secret_access_key):
        raise _fail("upstream.access_key_id", up.access_key_id, "both keys set, or neither")
    limits = config.limits
    if limits.workers and limits.heavy_workers > limits.workers:
        raise _fail("limits.heavy_workers", limits.heavy_workers,
                    f"0 (half of the workers) or at most limits.workers ({limits.workers})")
    if 0 < limits.worker_memory_bytes < MIN_WORKER_MEMORY:
        raise _fail("limits.worker_memory_bytes", limits.worker_memory_bytes,
                    f"0 (no cap) or at least {MIN_WORKER_MEMORY}")
    single = config.server.single_bucket
    if single and not is_bucket_name(single):
        raise _fail("server.single_bucket", single, BUCKET_NAME_RULE)
    spool_dir = config.server.spool_dir
    if spool_dir and not os.path.isdir(spool_dir):
        raise _fail("server.spool_dir", spool_dir, "an existing directory (or empty: the system's temporary one)")
    domain = config.server.virtual_host_domain
    if domain and not re.match(r"^[A-Za-z0-9.-]+(:\d+)?$", domain):
        raise _fail("server.virtual_host_domain", domain, "a host name like images.example.com")


def load_config(path: str | Path | None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the TOML file (if any), apply environment overrides, validate."""
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config error: file {str(path)!r} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config error: {path} is not valid TOML: {exc}") from None
    return parse_config(raw, environ)
