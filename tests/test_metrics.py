"""The loop-thread metrics expose exactly what prometheus_client's own would for the same updates."""

from prometheus_client import CollectorRegistry, Counter, Histogram

from proxy.metrics import LATENCY_BUCKETS, LoopCounter, LoopHistogram

# Bounds themselves, values between them, zero and one past the last bound.
OBSERVED = (0.0, 0.001, 0.0011, 0.0025, 0.004, 0.5, 1.0, 29.9, 30.0, 31.0)


def _samples(registry: CollectorRegistry) -> set[tuple[str, tuple, float]]:
    return {
        (s.name, tuple(sorted(s.labels.items())), round(s.value, 9))
        for family in registry.collect()
        for s in family.samples
        if not s.name.endswith("_created")
    }


def test_loop_histogram_matches_prometheus_client_bucket_for_bucket():
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    loop = LoopHistogram("t_seconds", "t", ("op",), LATENCY_BUCKETS, ours)
    reference = Histogram("t_seconds", "t", ("op",), buckets=LATENCY_BUCKETS, registry=theirs)
    for value in OBSERVED:
        loop.labels("a").observe(value)
        reference.labels("a").observe(value)
    loop.labels("b")
    reference.labels("b")
    assert _samples(ours) == _samples(theirs)
    assert ("t_seconds_bucket", (("le", "0.001"), ("op", "a")), 2.0) in _samples(ours)  # 0 and the bound itself


def test_loop_counter_matches_prometheus_client():
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    loop = LoopCounter("t_requests", "t", ("method", "status"), ours)
    reference = Counter("t_requests", "t", ("method", "status"), registry=theirs)
    for counter in (loop, reference):
        counter.labels("GET", "200").inc()
        counter.labels("GET", "200").inc(2.5)
        counter.labels("PUT", "403").inc()
    assert _samples(ours) == _samples(theirs)
    assert ours.get_sample_value("t_requests_total", {"method": "GET", "status": "200"}) == 3.5
