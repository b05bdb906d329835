"""Every Prometheus metric Osprey exports, defined here once. Label values come from closed sets."""

from __future__ import annotations

import re
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics import MetricWrapperBase

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
STAGES = ("auth", "fetch", "queue", "process", "encode")
CACHE_RESULTS = ("hit", "miss", "coalesced")
# busy/timeout: the worker pool refused or gave up on a job; too_large: a size limit; access_denied: bucket
# policy; bad_signature: anything refused while the signature was checked (mismatch, unknown key, expired…).
REJECTION_REASONS = ("busy", "timeout", "too_large", "access_denied", "bad_signature")
DIRECTIONS = ("received", "sent")  # bytes read from the upstream, bytes written to it
METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"})
OTHER = "Other"
_SUBTYPE = re.compile(r"[a-z0-9][a-z0-9.+-]{0,31}")


class Metrics:
    """The metric objects of one application, on their own registry (so tests and apps never collide)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "osprey_requests", "Requests answered.", ("method", "operation", "status"), registry=r
        )
        self.request_duration = Histogram(
            "osprey_request_duration_seconds", "Time to answer a request.", ("operation",),
            buckets=LATENCY_BUCKETS, registry=r,
        )
        self.stage_duration = Histogram(
            "osprey_stage_duration_seconds", "Time spent per stage of a request.", ("stage",),
            buckets=LATENCY_BUCKETS, registry=r,
        )
        self.cache_requests = Counter(
            "osprey_cache_requests", "Result cache lookups.", ("result",), registry=r
        )
        self.cache_bytes = Gauge("osprey_cache_bytes", "Bytes held by the result cache.", registry=r)
        self.cache_entries = Gauge("osprey_cache_entries", "Entries held by the result cache.", registry=r)
        self.upstream_requests = Counter(
            "osprey_upstream_requests", "Requests sent to the upstream store.", ("operation", "status"), registry=r
        )
        self.upstream_bytes = Counter(
            "osprey_upstream_bytes", "Bytes moved to and from the upstream.", ("direction",), registry=r
        )
        self.process_operations = Counter(
            "osprey_process_operations", "Processing actions run.", ("category", "action", "format"), registry=r
        )
        self.worker_queue_depth = Gauge(
            "osprey_worker_queue_depth", "Processing jobs waiting for a worker.", registry=r
        )
        self.workers_busy = Gauge("osprey_workers_busy", "Worker processes running a job.", registry=r)
        self.rejections = Counter(
            "osprey_rejections", "Requests refused by a limit or a policy.", ("reason",), registry=r
        )
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}
        for result in CACHE_RESULTS:
            self.cache_requests.labels(result)
        for reason in REJECTION_REASONS:
            self.rejections.labels(reason)
        for direction in DIRECTIONS:
            self.upstream_bytes.labels(direction)

    def child(self, metric: MetricWrapperBase, *values: str) -> Any:
        """`metric.labels(*values)`, remembered: label sets are closed, and every request asks for a few."""
        key = (id(metric), values)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*values)
        return found

    def exposition(self) -> tuple[bytes, str]:
        """The Prometheus text format of every metric, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def method_label(method: str) -> str:
    """Clients choose the method: anything outside the object API's few is one label value."""
    return method if method in METHODS else "OTHER"


def format_label(media_type: str) -> str:
    """`image/webp` → `webp`; the subtype of a media type Osprey itself produced, bounded in shape."""
    subtype = media_type.split(";", 1)[0].rpartition("/")[2].strip().lower()
    return subtype if _SUBTYPE.fullmatch(subtype) else "other"
