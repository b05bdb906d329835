"""Every Prometheus metric Osprey exports, defined here once. Label values come from closed sets."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
STAGES = ("auth", "fetch", "queue", "process", "encode")
CACHE_RESULTS = ("hit", "miss", "coalesced")


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
        for result in CACHE_RESULTS:
            self.cache_requests.labels(result)
