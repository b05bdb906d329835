"""The running job's deadline inside a worker, so a long chain stops between steps instead of at the kill."""

from __future__ import annotations

import math
import time

from proxy.errors import OssError

_deadline = math.inf  # a wall-clock time: the server and its workers share the clock
_timeout_s = math.inf


def start(deadline: float, timeout_s: float) -> None:
    """Set by the worker before each job: `deadline` ends a job that was given `timeout_s`."""
    global _deadline, _timeout_s
    _deadline, _timeout_s = deadline, timeout_s


def check() -> None:
    """Raise the pool's 503 once the job's time is up; a job without a deadline never stops here."""
    if time.time() > _deadline:
        raise OssError(503, "ServiceUnavailable", f"Processing took longer than {_timeout_s:g} s (limits.timeout_s).")
