"""The independent reference for image misses: plain Pillow (open, draft, Lanczos resize, save), no Osprey.

It imports nothing from `proxy`, so its figure is what the same decode/resize/encode costs on this machine
without any of Osprey's code: the limit a server doing that work could reach.
"""

from __future__ import annotations

import io
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from PIL import Image


def render(data: bytes, width: int, fmt: str, quality: int, gap: float) -> int:
    """One miss: decode at the smallest DCT scale ≥ `gap` times the output, resize to `width`, encode."""
    image = Image.open(io.BytesIO(data))
    height = max(1, round(image.height * width / image.width))
    image.draft("RGB", (int(width * gap), int(height * gap)))
    resized = image.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    resized.save(out, fmt, quality=quality)
    return len(out.getvalue())


class ReferencePool:
    """`workers` processes running `render`, kept warm across rounds."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ProcessPoolExecutor(workers)

    def __enter__(self) -> ReferencePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown()

    def rate(self, data: bytes, width: int, fmt: str, gap: float, seconds: float) -> float:
        """Images per second over `seconds`, with two jobs per worker in flight; the quality cycles
        through 80..99 as the benchmark's miss URLs do."""
        started, sent = time.perf_counter(), 0
        running: set[Future[int]] = set()
        while time.perf_counter() - started < seconds:
            while len(running) < 2 * self.workers:
                running.add(self._pool.submit(render, data, width, fmt, 80 + sent % 20, gap))
                sent += 1
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                future.result()
        for future in running:  # the last jobs finish, as the load generator's last requests do
            future.result()
        return sent / (time.perf_counter() - started)
