"""What the handlers need, built by `proxy.app` and passed in through the application."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from cachetools import TTLCache

from proxy.cache import BoundedMemo, ByteLRU, SingleFlight
from proxy.config import Config
from proxy.front.shared_cache import SharedCache
from proxy.metrics import Metrics
from proxy.process.output import Output
from proxy.upstream.interface import Upstream
from proxy.workers import WorkerPool

KNOWN_ETAGS = 100_000
# Anonymous reads remembered by URL (`handlers.Read`): host and request line are at most ~8 KiB each (aiohttp's
# limits), so the memo holds at most ~16 MiB.
ANONYMOUS_READS = 1024
# Buckets' upstream CORS rules are trusted for `cache.revalidate_after_s`, or this long when that is 0: a browser
# may send a preflight before every call, and asking the upstream each time would double its traffic.
CORS_RULES_TTL_S = 5.0
CORS_RULE_SETS = 1024  # requests name any bucket they like: the memo stays bounded


@dataclass(frozen=True)
class Rendition:
    """A chain's output and the validators it is served with."""

    output: Output
    etag: str
    last_modified: datetime


@dataclass
class Services:
    """The long-lived parts of one server: upstream, workers, caches, metrics."""

    config: Config
    upstream: Upstream
    pool: WorkerPool
    metrics: Metrics = field(default_factory=Metrics)
    credentials: Mapping[str, str] = field(init=False)
    renditions: ByteLRU[Rendition] = field(init=False)
    sources: ByteLRU[bytes] = field(init=False)
    flights: SingleFlight[Any] = field(default_factory=SingleFlight)
    known: TTLCache | None = field(init=False)
    shared: SharedCache | None = field(init=False)
    cors_rules: TTLCache = field(init=False)
    anonymous_reads: BoundedMemo[tuple[str, ...], Any] = field(default_factory=lambda: BoundedMemo(ANONYMOUS_READS))

    def __post_init__(self) -> None:
        cache = self.config.cache
        # Access key id → secret: the keys clients sign with, looked up on every signed request.
        self.credentials = {c.access_key_id: c.secret_access_key for c in self.config.credentials}
        self.renditions = ByteLRU(cache.max_bytes, cache.max_entry_bytes, lambda r: len(r.output.body))
        self.sources = ByteLRU(cache.source_max_bytes, cache.max_entry_bytes, len)
        # (bucket, key) → metadata trusted without asking the upstream, for revalidate_after_s seconds.
        self.known = TTLCache(KNOWN_ETAGS, cache.revalidate_after_s) if cache.revalidate_after_s > 0 else None
        self.cors_rules = TTLCache(CORS_RULE_SETS, cache.revalidate_after_s or CORS_RULES_TTL_S)
        self.shared = SharedCache(self.upstream, cache) if cache.l2_bucket else None


SERVICES = web.AppKey("services", Services)


def services(request: web.Request) -> Services:
    return request.app[SERVICES]
