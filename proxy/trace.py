"""What one request did, gathered while it runs: read once for its access-log line and its metrics.

The front creates a `Trace` per request and makes it current; code deep in the flow (the worker pool,
the processing steps, which see no request) reaches it through `current_trace()`. A single-flight
computation runs as its own task with a copy of the first caller's context, so its stages land on
that caller's trace; a coalesced caller shows no fetch or process time of its own.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass, field

from proxy.grammar.chain import Chain
from proxy.grammar.oss import OSS
from proxy.metrics import OTHER, Metrics, format_label
from proxy.process.output import Output


@dataclass(slots=True)
class Trace:
    """Filled in by the front as the request is understood. Never holds a header or a query value."""

    started: float = field(default_factory=time.perf_counter)
    operation: str = OTHER
    bucket: str = ""
    key: str = ""
    process: str = ""
    cache: str = ""
    error: str = ""
    relayed_bytes: int = 0  # sent by a zero-copy relay, past the response writer's count
    failed_stage: str = ""
    stages: dict[str, float] = field(default_factory=dict)

    def add_stage(self, stage: str, seconds: float) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + seconds


_CURRENT: ContextVar[Trace | None] = ContextVar("osprey_trace", default=None)


def current_trace() -> Trace:
    """The trace of the request being served, or a detached one outside any request (tests, the CLI)."""
    return _CURRENT.get() or Trace()


class tracing:  # lower case: it reads as a function, `with tracing(trace):`
    """Make `trace` current for the block (one request). A slotted class: every request enters one."""

    __slots__ = ("_token", "_trace")

    def __init__(self, trace: Trace) -> None:
        self._trace = trace

    def __enter__(self) -> Trace:
        self._token = _CURRENT.set(self._trace)
        return self._trace

    def __exit__(self, *_: object) -> None:
        _CURRENT.reset(self._token)


def observe_stage(metrics: Metrics, stage: str, seconds: float) -> None:
    metrics.child(metrics.stage_duration, stage).observe(seconds)
    current_trace().add_stage(stage, seconds)


class timed:  # lower case: it reads as a function, `with timed(metrics, "fetch"):`
    """Time the block as `stage`; when it raises, the trace remembers which stage failed."""

    __slots__ = ("_metrics", "_stage", "_started")

    def __init__(self, metrics: Metrics, stage: str) -> None:
        self._metrics, self._stage = metrics, stage

    def __enter__(self) -> None:
        self._started = time.perf_counter()

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None and issubclass(kind, Exception):
            current_trace().failed_stage = self._stage
        observe_stage(self._metrics, self._stage, time.perf_counter() - self._started)


def count_cache(metrics: Metrics, result: str) -> None:
    """One result-cache lookup: `hit`, `miss` or `coalesced`."""
    metrics.child(metrics.cache_requests, result).inc()
    current_trace().cache = result


def count_processed(metrics: Metrics, chain: Chain, output: Output) -> None:
    """A chain that ran: one count per action, labelled with the output format; and its encode time."""
    fmt = format_label(output.media_type)
    for action in chain.actions():
        if OSS.get(action.category, action.name) is not None:  # catalogued names only: a closed set
            metrics.process_operations.labels(action.category, action.name, fmt).inc()
    if output.encode_s is not None:
        observe_stage(metrics, "encode", output.encode_s)
