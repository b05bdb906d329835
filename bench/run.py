"""Osprey benchmark: requests/s, p50/p99 latency and peak RSS per case, with ratios to the in-process limit.

    .venv/bin/python bench/run.py [--seconds 10] [--concurrency 8] [--backend local|s3|both]
    .venv/bin/python bench/run.py --attack [--seconds 25]

`--attack` runs one case instead: 4 clients hammer hostile URLs while 4 others request ordinary misses.

It starts Osprey as a real server process on loopback (and moto's S3 server for `s3`), generates its
corpus, drives each case with a bounded load generator and prints one line per case. Nothing here
asserts: the figures are for people and issue notes.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from bench.reference import ReferencePool  # noqa: E402
from proxy import samples  # noqa: E402
from proxy.grammar.chain import parse_process  # noqa: E402
from proxy.grammar.oss import OSS  # noqa: E402
from proxy.limits import Limits  # noqa: E402
from proxy.process.image.codec import DRAFT_GAP  # noqa: E402
from proxy.process.runner import run_chain  # noqa: E402

BUCKET = "bench"
# The camera-like sources (noise, texture, fine detail at a camera's byte size: 3.5 MB and 0.7 MB) are the
# figures that count; the flat drawings (0.8 MB at 12 MP) show how much easier such files are.
CORPUS = {
    "12mp-camera.jpg": lambda: samples.camera_jpeg(4000, 3000),
    "1080p-camera.jpg": lambda: samples.camera_jpeg(1920, 1080),
    "12mp.jpg": lambda: samples.photo_jpeg(4000, 3000),
    "1080p.jpg": lambda: samples.photo_jpeg(1920, 1080),
    "alpha.png": lambda: samples.alpha_png(1024),
    "anim.gif": lambda: samples.animated_gif(300, 20),
}
# name, object, process, and for a JPEG resize the independent reference's (width, Pillow format)
MISS_CASES: tuple[tuple[str, str, str, tuple[int, str] | None], ...] = (
    ("miss 12MP camera JPEG resize,w_300", "12mp-camera.jpg", "image/resize,w_300", (300, "JPEG")),
    ("miss 1080p camera JPEG resize,w_800/format,webp", "1080p-camera.jpg", "image/resize,w_800/format,webp",
     (800, "WEBP")),
    ("miss 12MP flat JPEG resize,w_300", "12mp.jpg", "image/resize,w_300", (300, "JPEG")),
    ("miss 1080p flat JPEG resize,w_800/format,webp", "1080p.jpg", "image/resize,w_800/format,webp", (800, "WEBP")),
    ("miss PNG resize,w_256", "alpha.png", "image/resize,w_256", None),
    ("miss GIF resize,w_150", "anim.gif", "image/resize,w_150", None),
)
REFERENCE_ROUNDS = 4
PASS_THROUGH_BYTES = 100 * 1024 * 1024
ATTACK_CLIENTS = 4
ATTACK_TIMEOUT_S = 10  # limits.timeout_s for the attack: short enough that runaway jobs are cut in the run
ATTACK_DRAIN_S = 5


def repeated_scan_jpeg(side: int, copies: int) -> bytes:
    """A flat grey progressive JPEG whose smallest scan is repeated `copies` times: a small file that
    libjpeg walks whole once per scan (half a MB, some 15 s of CPU at 8000 px and 3,000 copies)."""
    out = io.BytesIO()
    Image.new("L", (side, side), 128).save(out, "JPEG", progressive=True, quality=90)
    data = out.getvalue()
    scans = [(end - start, start, end) for marker, start, end in _jpeg_segments(data) if marker == 0xDA]
    _, start, end = min(scans)
    eoi = len(data) - 2
    return data[:eoi] + data[start:end] * copies + data[eoi:]


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(marker, start, end) of each segment before EOI; a scan runs to the next marker."""
    pos = 2
    while data[pos + 1] != 0xD9:
        marker = data[pos + 1]
        end = pos + 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if marker == 0xDA:
            while not (data[end] == 0xFF and data[end + 1] not in (0x00, *range(0xD0, 0xD8))):
                end += 1
        yield marker, pos, end
        pos = end


def many_frame_gif(side: int, frames: int) -> bytes:
    """A GIF of `frames` one-pixel frames on a `side`-pixel canvas: 23 KB that decode to a full canvas per
    frame (1,000 frames at 500 px: about 1 GB)."""
    head = b"GIF89a" + struct.pack("<HHBBB", side, side, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    frame = [b"\x21\xf9\x04\x04\x02\x00\x00\x00"  # keep the canvas, 20 ms
             + b"\x2c" + struct.pack("<HHHHB", n % side, n // side % side, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
             for n in range(frames)]
    return head + loop + b"".join(frame) + b"\x3b"


HOSTILE = {
    "scans.jpg": lambda: repeated_scan_jpeg(8000, 3000),
    "frames.gif": lambda: many_frame_gif(500, 1000),
    "48mp.jpg": lambda: samples.photo_jpeg(8000, 6000),
}
HOSTILE_URLS = (
    ("scans.jpg", "image/resize,w_100"),
    ("frames.gif", "image/resize,w_100"),
    ("48mp.jpg", "image/" + "/".join(["blur,r_50,s_50"] * 19)),  # the quality suffix is the 20th action
)


@dataclass
class Result:
    name: str
    count: int
    seconds: float
    latencies: list[float]
    errors: int
    payload_bytes: int = 0

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def p99(self) -> float:
        lat = sorted(self.latencies) or [0.0]
        return lat[min(len(lat) - 1, int(len(lat) * 0.99))]

    def line(self, extra: str = "") -> str:
        p50 = statistics.median(self.latencies or [0.0]) * 1000
        p99 = self.p99 * 1000
        return (f"{self.name:<46} {self.rate:8.1f} req/s  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms"
                f"  errors {self.errors}{extra}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mib(pid: int, with_children: bool = True) -> float:
    """Peak RSS of a process and (by default) its children, the worker pool, from /proc."""
    total = 0
    for p in [pid, *(children(pid) if with_children else [])]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuMeter:
    """CPU seconds per GB moved, for the processes that share the two cores during a transfer."""

    pids: dict[str, int]

    def __post_init__(self) -> None:
        self._start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self._client = time.process_time()

    def report(self, payload_bytes: int) -> str:
        gb = payload_bytes / 1e9 or 1.0
        used = {name: cpu_seconds(pid) - self._start[name] for name, pid in self.pids.items()}
        used["client"] = time.process_time() - self._client
        total = sum(used.values())
        parts = ", ".join(f"{name} {seconds / gb:.2f}" for name, seconds in used.items())
        # With every process busy in parallel on all cores, GB/s cannot exceed cores / (CPU s per GB).
        return f"  CPU s/GB: {parts} (sum {total / gb:.2f}: at most {os.cpu_count() / (total / gb) * 1000:.0f} MB/s)"


def children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []
    return [int(k) for k in kids] + [g for k in kids for g in children(int(k))]


async def load(url: str | Callable[[int], str], seconds: float, concurrency: int, name: str,
               headers: dict[str, str] | None = None, expect: int = 200,
               statuses: dict[int, int] | None = None) -> Result:
    """Keep `concurrency` requests in flight for `seconds`; every body is read to the end and discarded.
    `statuses`, if given, counts the answers by status (0: no answer)."""
    latencies: list[float] = []
    errors = 0
    count = 0
    payload = 0
    deadline = time.perf_counter() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def worker() -> None:
            nonlocal errors, count, payload
            while time.perf_counter() < deadline:
                target = url(count) if callable(url) else url
                start = time.perf_counter()
                try:
                    async with session.get(target, headers=headers) as resp:
                        size = 0
                        async for chunk in resp.content.iter_chunked(1 << 20):  # streamed, not held
                            size += len(chunk)
                        ok, status = resp.status == expect, resp.status
                except aiohttp.ClientError:
                    ok, size, status = False, 0, 0
                if statuses is not None:
                    statuses[status] = statuses.get(status, 0) + 1
                latencies.append(time.perf_counter() - start)
                count += 1
                payload += size
                errors += not ok

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return Result(name, count, elapsed, latencies, errors, payload)


def miss_url(base: str, n: int) -> str:
    return f"{base}/quality,Q_{80 + n % 20}"


def _process_once(data: bytes, process: str) -> int:
    chain = parse_process(f"{process}/quality,Q_90", OSS)  # the same work as the server's miss URLs
    return len(run_chain(chain, data, "image/jpeg", Limits()).body)


def in_process_limit(data: bytes, process: str, seconds: float, workers: int = 2) -> float:
    """The same Pillow work in a pool of `workers` processes, no HTTP: the ceiling to compare with."""
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_process_once, [data] * workers, [process] * workers))  # warm up
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            list(pool.map(_process_once, [data] * workers * 2, [process] * workers * 2))
            done += workers * 2
        return done / (time.perf_counter() - start)


async def misses_against_reference(url: Callable[[int], str], data: bytes, reference: tuple[int, str], args,
                                   name: str) -> None:
    """Osprey's misses and the independent Pillow pipeline (bench/reference.py) in alternating rounds on
    a pool as large as Osprey's: the reference decodes at ≥ 1x the output (what a plain Pillow service
    does) and at Osprey's quality floor (≥ DRAFT_GAP x). The ratios printed are the rounds' medians."""
    width, fmt = reference
    workers = os.cpu_count() or 1
    gaps = {"draft ≥1x": 1.0, f"draft ≥{DRAFT_GAP}x": float(DRAFT_GAP)}
    rounds: list[Result] = []
    rates: dict[str, list[float]] = {label: [] for label in gaps}
    seconds = args.seconds / REFERENCE_ROUNDS
    with ReferencePool(workers) as pool:
        await load(url, 1, args.concurrency, "warm-up")
        for gap in gaps.values():
            pool.rate(data, width, fmt, gap, 1)
        for _ in range(REFERENCE_ROUNDS):
            rounds.append(await load(url, seconds, args.concurrency, name))
            for label, gap in gaps.items():
                rates[label].append(pool.rate(data, width, fmt, gap, seconds))
    parts = []
    for label, values in rates.items():
        ratios = [result.rate / rate for result, rate in zip(rounds, values, strict=True)]
        parts.append(f"Pillow {label} {statistics.median(values):6.1f} img/s ratio {statistics.median(ratios):4.2f}")
    print(merged(rounds).line("  " + "; ".join(parts)))


@asynccontextmanager
async def bare_server(body: bytes, work: Path) -> AsyncIterator[str]:
    """A bare aiohttp handler returning `body` from memory, in its own process as Osprey is: the ceiling
    for cache hits (in the load generator's process it would share its core and look slower). Its URL."""
    source = work / "bare-body"
    source.write_bytes(body)
    with reference_process("--bare-server", str(source)) as (url, _pid):
        yield url


@contextmanager
def reference_process(mode: str, argument: str) -> Iterator[tuple[str, int]]:
    """This script in `mode` as a server on a free loopback port, for as long as the block runs: its URL
    and process id."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, mode, argument, str(port)], cwd=ROOT)
    try:
        wait_for(f"http://127.0.0.1:{port}/", proc)
        yield f"http://127.0.0.1:{port}/", proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def hits_against_bare(url: str, body: bytes, work: Path, args, name: str, rounds: int = 6) -> None:
    """Hits and the bare handler in alternating rounds, so both see the same (noisy) machine; the ratio
    printed is the median of the rounds' ratios. Both servers are warmed first (a second each, not counted):
    a freshly started process runs its first thousands of requests measurably slower."""
    ratios, hits, bares = [], [], []
    async with bare_server(body, work) as bare_url:
        for warm in (url, bare_url):
            await load(warm, 1, args.concurrency, "warm-up")
        for _ in range(rounds):
            hits.append(await load(url, args.seconds / rounds, args.concurrency, name))
            bares.append(await load(bare_url, args.seconds / rounds, args.concurrency, "bare aiohttp (same bytes)"))
            ratios.append(hits[-1].rate / bares[-1].rate)
    hit, bare = merged(hits), merged(bares)
    print(hit.line(f"  ratio to bare {statistics.median(ratios):4.2f} (rounds: "
                   f"{', '.join(f'{r:.2f}' for r in ratios)})"))
    print(bare.line())


def merged(results: list[Result]) -> Result:
    """Several runs of one case as one."""
    return Result(results[0].name, sum(r.count for r in results), sum(r.seconds for r in results),
                  [lat for r in results for lat in r.latencies], sum(r.errors for r in results),
                  sum(r.payload_bytes for r in results))


def serve_bare(source: str, port: str) -> None:
    body = Path(source).read_bytes()

    async def handler(_request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="image/jpeg")

    app = web.Application()
    app.router.add_get("/", handler)
    web.run_app(app, host="127.0.0.1", port=int(port), access_log=None, print=None)


def serve_bare_proxy(upstream: str, port: str) -> None:
    """A bare aiohttp streaming proxy in front of `upstream`: GETs only, no signature, no checks, no metrics.
    The least any aiohttp proxy costs, as a reference for Osprey's pass-through on the same machine."""
    session_key = web.AppKey("session", aiohttp.ClientSession)

    async def handler(request: web.Request) -> web.StreamResponse:
        async with request.app[session_key].get(upstream + request.rel_url.raw_path) as answer:
            response = web.StreamResponse(status=answer.status)
            response.content_length = answer.content_length
            await response.prepare(request)
            async for chunk in answer.content.iter_chunked(256 * 1024):
                await response.write(chunk)
            await response.write_eof()
            return response

    async def session(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession(auto_decompress=False) as client:
            app[session_key] = client
            yield

    app = web.Application()
    app.cleanup_ctx.append(session)
    app.router.add_get("/{tail:.*}", handler)
    web.run_app(app, host="127.0.0.1", port=int(port), access_log=None, print=None)


def start_osprey(config: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "proxy", "serve", "--config", str(config), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
    )
    wait_for(f"http://127.0.0.1:{port}/_osprey/readyz", proc)
    return proc


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} before answering {url}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def write_config(path: Path, upstream: str, cache_bytes: int, revalidate_s: float) -> None:
    path.write_text(f"""
[server]
log_level = "warning"
[upstream]
{upstream}
[buckets.{BUCKET}]
anonymous = "read"
[cache]
max_bytes = {cache_bytes}
revalidate_after_s = {revalidate_s}
""")


async def run_backend(label: str, upstream_toml: str, work: Path, corpus: dict[str, bytes], args,
                      upstream_pid: int | None = None, direct_client=None) -> None:
    print(f"\n== backend: {label} ==")
    phases = ((0, 0, "misses"), (256 * 1024 * 1024, 0, "hits"), (256 * 1024 * 1024, 60, "hits, ETag trusted 60 s"))
    for cache_bytes, revalidate_s, cases in phases:
        config = work / f"{label}-{revalidate_s}-{cases}.toml"
        write_config(config, upstream_toml, cache_bytes, revalidate_s)
        port = free_port()
        proc = start_osprey(config, port)
        base = f"http://127.0.0.1:{port}/{BUCKET}"
        try:
            if cases == "misses":
                for name, key, process, reference in MISS_CASES:
                    # A distinct trailing quality per request makes every request a true miss (no cache,
                    # no coalescing) while doing the same decode/resize/encode work.
                    url = partial(miss_url, f"{base}/{key}?x-oss-process={process}")
                    if reference is not None and not args.no_reference:
                        await misses_against_reference(url, corpus[key], reference, args, name)
                        continue
                    result = await load(url, args.seconds, args.concurrency, name)
                    limit = in_process_limit(corpus[key], process, args.seconds)
                    print(result.line(f"  limit {limit:6.1f} req/s  ratio {result.rate / limit:4.2f}"))
                if args.misses_only:
                    return
                name, key, process, _ = MISS_CASES[0]
                url = partial(miss_url, f"{base}/{key}?x-oss-process={process}")
                burst = await load(url, args.seconds, 16, f"{name} x16 concurrent")
                print(burst.line(f"  peak RSS of Osprey (server + workers) {peak_rss_mib(proc.pid):.0f} MiB"))
            else:
                url = f"{base}/1080p.jpg?x-oss-process=image/resize,w_800/format,webp"
                async with aiohttp.ClientSession() as session, session.get(url) as first:
                    body, etag = await first.read(), first.headers.get("ETag", "")
                await hits_against_bare(url, body, work, args, f"hit ({cases})")
                revalidate = await load(url, args.seconds, args.concurrency, "304 revalidation",
                                        headers={"If-None-Match": etag}, expect=304)
                print(revalidate.line())
                before = peak_rss_mib(proc.pid, with_children=False)
                cpu = CpuMeter({"osprey": proc.pid, **({"upstream": upstream_pid} if upstream_pid else {})})
                big = await load(f"{base}/big.bin", args.seconds, 1, "pass-through GET 100 MB (1 stream)")
                mbps = big.payload_bytes / big.seconds / 1e6
                grown = peak_rss_mib(proc.pid, with_children=False) - before
                print(big.line(f"  {mbps:7.1f} MB/s  server peak RSS grew {grown:.0f} MiB"))
                print(cpu.report(big.payload_bytes))
                if direct_client is not None and upstream_pid is not None:
                    compare_downloads(direct_client, port, proc.pid, upstream_pid)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


class RssSampler:
    """The largest RSS of a server and its children seen while the block runs (killed workers included)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_mib = pid, 0.0

    def rss_mib(self) -> float:
        total = 0
        for p in [self.pid, *children(self.pid)]:
            try:
                for line in Path(f"/proc/{p}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except FileNotFoundError:
                continue
        return total / 1024

    async def run(self) -> None:
        while True:
            self.peak_mib = max(self.peak_mib, self.rss_mib())
            await asyncio.sleep(0.1)


async def run_attack(work: Path, args) -> None:
    """Ordinary misses alone, then again while ATTACK_CLIENTS clients hammer HOSTILE_URLS."""
    bucket = work / "data" / BUCKET
    for name, make in {"12mp.jpg": CORPUS["12mp.jpg"], **HOSTILE}.items():
        (bucket / name).write_bytes(make())
    config = work / "attack.toml"
    write_config(config, f'type = "local"\nroot = "{work / "data"}"', 0, 0)
    toml = config.read_text().replace("[server]\n", f"[server]\ndrain_timeout_s = {ATTACK_DRAIN_S}\n", 1)
    config.write_text(f"{toml}[limits]\ntimeout_s = {ATTACK_TIMEOUT_S}\n")
    port = free_port()
    proc = start_osprey(config, port)
    base = f"http://127.0.0.1:{port}/{BUCKET}"
    name, key, process, _ = MISS_CASES[0]
    ordinary = partial(miss_url, f"{base}/{key}?x-oss-process={process}")
    hostile = [f"{base}/{key}?x-oss-process={process}" for key, process in HOSTILE_URLS]
    try:
        alone = await load(ordinary, args.seconds / 2, ATTACK_CLIENTS, f"{name}, alone")
        print(alone.line())
        sampler = RssSampler(proc.pid)
        sampling = asyncio.ensure_future(sampler.run())
        statuses: dict[int, int] = {}
        attack, loaded = await asyncio.gather(
            load(lambda n: miss_url(hostile[n % len(hostile)], n), args.seconds, ATTACK_CLIENTS,
                 "hostile URLs", statuses=statuses),
            load(ordinary, args.seconds, ATTACK_CLIENTS, f"{name}, under attack"),
        )
        sampling.cancel()
        ok = 1 - loaded.errors / loaded.count if loaded.count else 0.0
        print(loaded.line(f"  success {ok:.1%}  p99 x{loaded.p99 / alone.p99:.2f} of alone"))
        print(attack.line(f"  statuses {dict(sorted(statuses.items()))}"))
        print(f"peak RSS of Osprey (server + workers) under attack {sampler.peak_mib:.0f} MiB")
    finally:
        # SIGTERM right after the attack: a runaway job must not hold the exit past the drain.
        signalled = time.monotonic()
        proc.terminate()
        try:
            proc.wait(timeout=60)
            print(f"exited {time.monotonic() - signalled:.1f} s after SIGTERM (server.drain_timeout_s = "
                  f"{ATTACK_DRAIN_S})")
        except subprocess.TimeoutExpired:
            print("still running 60 s after SIGTERM: killed")
            for pid in children(proc.pid):
                os.kill(pid, signal.SIGKILL)
            proc.kill()
            proc.wait()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--backend", choices=("local", "s3", "both"), default="both")
    parser.add_argument("--attack", action="store_true", help="the hostile-load case alone")
    parser.add_argument("--misses-only", action="store_true", help="only the miss cases")
    parser.add_argument("--no-reference", action="store_true",
                        help="JPEG misses against Osprey's own run_chain only, not the independent Pillow pipeline")
    args = parser.parse_args()
    if args.attack:
        print(f"Osprey under attack: {os.cpu_count()} cores, {args.seconds:g} s, {ATTACK_CLIENTS} hostile and "
              f"{ATTACK_CLIENTS} ordinary clients, limits.timeout_s = {ATTACK_TIMEOUT_S}")
        with tempfile.TemporaryDirectory(prefix="osprey-bench-") as tmp:
            (Path(tmp) / "data" / BUCKET).mkdir(parents=True)
            await run_attack(Path(tmp), args)
        return
    print(f"Osprey benchmark: {os.cpu_count()} cores, {args.seconds:g} s per case, concurrency {args.concurrency}, "
          "access log off (log_level = warning)")
    with tempfile.TemporaryDirectory(prefix="osprey-bench-") as tmp:
        work = Path(tmp)
        bucket = work / "data" / BUCKET
        bucket.mkdir(parents=True)
        corpus = {name: make() for name, make in CORPUS.items()}
        for name, data in corpus.items():
            (bucket / name).write_bytes(data)
        (bucket / "big.bin").write_bytes(os.urandom(PASS_THROUGH_BYTES))
        if args.backend in ("local", "both"):
            await run_backend("local", f'type = "local"\nroot = "{work / "data"}"', work, corpus, args)
        if args.backend in ("s3", "both"):
            await run_s3(work, corpus, args)


def compare_downloads(direct_client, osprey_port: int, osprey_pid: int, upstream_pid: int) -> None:
    """boto3 straight from the upstream, through Osprey, and through a bare aiohttp proxy (the reference for
    what any Python proxy costs here), alternated so all see the same machine; best of 3 each."""
    with reference_process("--bare-proxy", direct_client.meta.endpoint_url.rstrip("/")) as (proxy_url, proxy_pid):
        proxy_port = int(proxy_url.rstrip("/").rpartition(":")[2])
        clients = {
            "direct": (direct_client, {"upstream": upstream_pid}),
            "through Osprey": (anonymous_s3(osprey_port), {"osprey": osprey_pid, "upstream": upstream_pid}),
            "through a bare aiohttp proxy": (anonymous_s3(proxy_port), {"proxy": proxy_pid, "upstream": upstream_pid}),
        }
        runs: dict[str, list[tuple[float, str]]] = {name: [] for name in clients}
        for _ in range(3):
            for name, (client, pids) in clients.items():
                runs[name].append(direct_download(client, pids))
    direct_mbps = max(runs["direct"])[0]
    for name, results in runs.items():
        mbps, cpu = max(results)
        ratio = "" if name == "direct" else f"  ratio to direct {mbps / direct_mbps:4.2f}"
        print(f"{'boto3 download of 100 MB, ' + name:<58} {mbps:8.1f} MB/s{ratio}")
        print(cpu)


def anonymous_s3(port: int):
    """boto3 pointed at Osprey, unsigned (the bench bucket is public-read): the same client as the direct download."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED))


def direct_download(s3, pids: dict[str, int]) -> tuple[float, str]:
    """A boto3 download of the 100 MB object, streamed and discarded: MB/s, and the CPU `pids` used."""
    cpu = CpuMeter(pids)
    start, size = time.perf_counter(), 0
    for chunk in s3.get_object(Bucket=BUCKET, Key="big.bin")["Body"].iter_chunks(1 << 20):
        size += len(chunk)
    return size / (time.perf_counter() - start) / 1e6, cpu.report(size)


async def run_s3(work: Path, corpus: dict[str, bytes], args) -> None:
    import boto3

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"{endpoint}/moto-api/", moto)
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench")
        s3.create_bucket(Bucket=BUCKET)
        for name, data in corpus.items():
            s3.put_object(Bucket=BUCKET, Key=name, Body=data)
        s3.upload_file(str(work / "data" / BUCKET / "big.bin"), BUCKET, "big.bin")
        upstream = (f'type = "s3"\nendpoint = "{endpoint}"\naccess_key_id = "bench"\n'
                    'secret_access_key = "bench"')
        await run_backend("s3 (moto server)", upstream, work, corpus, args, moto.pid, s3)
    finally:
        moto.terminate()
        moto.wait(timeout=10)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--bare-server"]:
        serve_bare(*sys.argv[2:4])
    elif sys.argv[1:2] == ["--bare-proxy"]:
        serve_bare_proxy(*sys.argv[2:4])
    else:
        asyncio.run(main())
