"""Every Prometheus metric Osprey exports, defined here once. Label values come from closed sets."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.utils import floatToGoString

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
STAGES = ("auth", "fetch", "queue", "process", "encode")
CACHE_RESULTS = ("hit", "miss", "coalesced")
# busy/timeout: the worker pool refused or gave up on a job; too_large: a size limit; access_denied: bucket
# policy; bad_signature: anything refused while the signature was checked (mismatch, unknown key, expired…);
# the connection guard's: headers late, a body idle, a connection past the cap, a request head unparsable.
REJECTION_REASONS = ("busy", "timeout", "too_large", "access_denied", "bad_signature",
                     "header_timeout", "body_idle_timeout", "max_connections", "bad_request_head")
# The worker pool's lanes (cheap thumbnails; heavy: large, animated, documents, video, audio) and why one
# refused or lost a job: busy (its queue is full), timeout (limits.timeout_s), died (its worker ran out of
# memory, limits.worker_memory_bytes, or was killed).
LANES = ("cheap", "heavy")
LANE_REJECTION_REASONS = ("busy", "timeout", "died")
DIRECTIONS = ("received", "sent")  # bytes read from the upstream, bytes written to it
METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"})
OTHER = "Other"
_SUBTYPE = re.compile(r"[a-z0-9][a-z0-9.+-]{0,31}")


class Metrics:
    """The metric objects of one application, on their own registry (so tests and apps never collide)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.requests = LoopCounter("osprey_requests", "Requests answered.", ("method", "operation", "status"), r)
        self.request_duration = LoopHistogram(
            "osprey_request_duration_seconds", "Time to answer a request.", ("operation",), LATENCY_BUCKETS, r
        )
        self.stage_duration = Histogram(
            "osprey_stage_duration_seconds", "Time spent per stage of a request.", ("stage",),
            buckets=LATENCY_BUCKETS, registry=r,
        )
        self.cache_requests = LoopCounter("osprey_cache_requests", "Result cache lookups.", ("result",), r)
        self.cache_bytes = Gauge("osprey_cache_bytes", "Bytes held by the result cache.", registry=r)
        self.cache_entries = Gauge("osprey_cache_entries", "Entries held by the result cache.", registry=r)
        self.upstream_requests = LoopCounter(
            "osprey_upstream_requests", "Requests sent to the upstream store.", ("operation", "status"), r
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
        self.lane_busy = Gauge("osprey_lane_workers_busy", "Workers running a job of the lane.", ("lane",),
                               registry=r)
        self.lane_queued = Gauge("osprey_lane_queue_depth", "Jobs of the lane waiting for a worker.", ("lane",),
                                 registry=r)
        self.lane_rejections = Counter(
            "osprey_lane_rejections", "Jobs of the lane refused or lost.", ("lane", "reason"), registry=r
        )
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}
        for result in CACHE_RESULTS:
            self.cache_requests.labels(result)
        for reason in REJECTION_REASONS:
            self.rejections.labels(reason)
        for lane in LANES:
            for reason in LANE_REJECTION_REASONS:
                self.lane_rejections.labels(lane, reason)
        for direction in DIRECTIONS:
            self.upstream_bytes.labels(direction)

    def child(self, metric: MetricWrapperBase | LoopMetric[Any], *values: str) -> Any:
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


C = TypeVar("C")


class LoopMetric(Generic[C]):
    """A labelled metric kept as plain numbers and turned into samples when scraped, for the few metrics every
    request updates: prometheus_client's lock and argument checks cost about 1 µs, several times per cache hit."""

    def __init__(self, name: str, documentation: str, labelnames: tuple[str, ...], registry: CollectorRegistry,
                 make_child: Callable[[], C]) -> None:
        self.name, self.documentation, self.labelnames = name, documentation, labelnames
        self._make_child = make_child
        self._children: dict[tuple[str, ...], C] = {}  # no lock: update from the event-loop thread only
        registry.register(self)

    def labels(self, *values: str) -> C:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self._make_child()
        return child

    def collect(self) -> Iterator[Metric]:
        family = self._family()
        for values, child in self._children.items():
            self._add(family, values, child)
        yield family

    def describe(self) -> Iterator[Metric]:
        yield self._family()

    def _family(self) -> Metric:
        raise NotImplementedError

    def _add(self, family: Any, values: tuple[str, ...], child: C) -> None:
        raise NotImplementedError


class Count:
    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount


class LoopCounter(LoopMetric[Count]):
    def __init__(self, name: str, documentation: str, labelnames: tuple[str, ...], registry: CollectorRegistry) -> None:
        super().__init__(name, documentation, labelnames, registry, Count)

    def _family(self) -> Metric:
        return CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)

    def _add(self, family: Any, values: tuple[str, ...], child: Count) -> None:
        family.add_metric(values, child.value)


class Observations:
    """Counts per bucket (not cumulative; the last is +Inf) and the sum."""

    __slots__ = ("_bounds", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self._bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self._bounds, value)] += 1  # the first bucket whose bound is >= value
        self.sum += value


class LoopHistogram(LoopMetric[Observations]):
    def __init__(self, name: str, documentation: str, labelnames: tuple[str, ...], buckets: tuple[float, ...],
                 registry: CollectorRegistry) -> None:
        self._les = [floatToGoString(b) for b in buckets] + ["+Inf"]
        super().__init__(name, documentation, labelnames, registry, lambda: Observations(buckets))

    def _family(self) -> Metric:
        return HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)

    def _add(self, family: Any, values: tuple[str, ...], child: Observations) -> None:
        cumulative, total = [], 0
        for le, count in zip(self._les, child.counts, strict=True):
            total += count
            cumulative.append((le, total))
        family.add_metric(values, cumulative, child.sum)
