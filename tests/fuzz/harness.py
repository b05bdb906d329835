"""Run fuzz cases in child processes with a wall-clock bound each, and shrink the inputs that fail.

A case is (process string, input bytes, object key). What counts as safe is what the server may answer:
success, or an `OssError` with a 4xx status or 503. Anything else escaping `run_chain` is a crasher; a
case past CASE_TIMEOUT_S is a hang (its worker is killed); a worker that dies (a native crash) is both
reported and replaced, so one bad case does not stop the run.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
import traceback
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path

from pebble import ProcessExpired, ProcessPool

from proxy.errors import OssError
from proxy.grammar.chain import parse_process
from proxy.grammar.doc_source import with_key_type
from proxy.grammar.oss import OSS
from proxy.limits import Limits
from proxy.process.runner import run_chain

# Longer than any legitimate case takes on a busy machine (re-encoding a 96x30000 AVIF takes seconds),
# far shorter than a real hang: the server itself gives up at limits.timeout_s (30 s) with a 503.
CASE_TIMEOUT_S = 20.0
# The children's address space: a decoder that allocates without bound fails here, not on the host.
MEMORY_BYTES = 4 << 30
WORKERS = min(2, os.cpu_count() or 1)


@dataclass(frozen=True)
class Case:
    process: str
    data: bytes
    key: str
    description: str


@dataclass(frozen=True)
class Failure:
    """A case that did not end safely: `kind` is crash, hang or died; `signature` groups like failures."""

    case: Case
    kind: str
    signature: str
    detail: str


@dataclass
class Results:
    processed: int = 0
    rejected: int = 0
    failures: list[Failure] = field(default_factory=list)


def is_safe(status: int) -> bool:
    """What hostile input may get: a client error, or 503 (busy, too slow, worker lost)."""
    return 400 <= status < 500 or status == 503


def run_case(process: str, data: bytes, key: str) -> tuple[str, str, str]:
    """Runs in a child: ("ok" | "rejected" | "crash", signature, detail)."""
    try:
        chain = with_key_type(parse_process(process, OSS), key)
        run_chain(chain, data, "application/octet-stream", Limits())
    except OssError as err:
        if is_safe(err.status):
            return "rejected", err.code, ""
        return "crash", f"OssError {err.status} {err.code}", err.message
    except Exception as exc:  # any other exception is what the fuzzer hunts
        return "crash", _signature(exc), "".join(traceback.format_exception(exc)[-6:])
    return "ok", "", ""


def _signature(exc: BaseException) -> str:
    """The exception type and the innermost frame of Osprey's own code it passed through."""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if "/proxy/" in frame.filename]
    where = f" at {frames[-1].filename.rsplit('/proxy/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}{where}"


def _start_worker() -> None:
    """Import once per worker (not in the first case's time), bound its memory, and quiet the
    decoders' warnings: thousands of broken files make thousands of lines."""
    from proxy.process import engines

    engines.warm_up()

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    warnings.simplefilter("ignore")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # libtiff and FFmpeg write to the descriptor, not to sys.stderr


def new_pool(workers: int = WORKERS) -> ProcessPool:
    return ProcessPool(max_workers=workers, context=multiprocessing.get_context("spawn"), initializer=_start_worker)


def run_cases(pool: ProcessPool, cases: Iterable[Case]) -> Results:
    """Every case once, in parallel on the pool's workers."""
    scheduled = [(case, pool.schedule(run_case, (case.process, case.data, case.key), timeout=CASE_TIMEOUT_S))
                 for case in cases]
    results = Results()
    for case, future in scheduled:
        kind, signature, detail = _outcome(case, future)
        if kind == "ok":
            results.processed += 1
        elif kind == "rejected":
            results.rejected += 1
        else:
            results.failures.append(Failure(case, kind, signature, detail))
    return results


def _outcome(case: Case, future: Future) -> tuple[str, str, str]:
    try:
        return future.result()
    except FutureTimeout:
        return "hang", "hang", f"no answer within {CASE_TIMEOUT_S:g} s"
    except ProcessExpired as exc:
        return "died", f"worker died (exit {exc.exitcode})", str(exc)


def shrink(data: bytes, fails: Callable[[bytes], bool], budget: int = 400, seconds: float = 30.0) -> bytes:
    """A smaller input that still fails: drop ever smaller slices while that keeps it failing (ddmin-like),
    for at most `budget` tries and `seconds`."""
    size, deadline = len(data) // 2, time.monotonic() + seconds
    while size >= 1 and budget > 0 and time.monotonic() < deadline:
        start, removed = 0, False
        while start < len(data) and budget > 0 and time.monotonic() < deadline:
            candidate = data[:start] + data[start + size:]
            budget -= 1
            if candidate and fails(candidate):
                data, removed = candidate, True
            else:
                start += size
        if not removed:
            size //= 2
    return data


def report(pool: ProcessPool, failures: list[Failure], folder: Path, most: int = 5) -> str:
    """One paragraph per kind of failure, its input saved (and, unless it hung, shrunk) under `folder`."""
    groups: dict[str, list[Failure]] = {}
    for failure in failures:
        groups.setdefault(failure.signature, []).append(failure)
    lines = [f"{len(failures)} unsafe outcomes of {len(groups)} kinds; inputs in {folder}"]
    for number, (signature, group) in enumerate(list(groups.items())[:most]):
        first = group[0]
        data = first.case.data
        (folder / f"{number}-input.bin").write_bytes(data)
        if first.kind != "hang":
            data = shrink(data, _same_failure(pool, first))
            (folder / f"{number}-shrunk.bin").write_bytes(data)
        chains = sorted({failure.case.process for failure in group})
        lines += [
            f"[{number}] {signature} x{len(group)} ({', '.join(chains)}): {first.case.description} "
            f"({len(first.case.data)} bytes, shrunk to {len(data)} with {first.case.process})",
            first.detail,
        ]
    return "\n".join(lines)


def _same_failure(pool: ProcessPool, failure: Failure) -> Callable[[bytes], bool]:
    def fails(data: bytes) -> bool:
        again = run_cases(pool, [Case(failure.case.process, data, failure.case.key, "")]).failures
        return bool(again) and again[0].signature == failure.signature

    return fails
