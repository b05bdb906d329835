"""Mutated files through the running server: every answer is a result or an OSS error (4xx, or 503 when
busy or too slow), none comes later than the deadline, and the server is healthy afterwards.

Images and video snapshots are read anonymously from the public bucket; video/info and doc/ need a
signature, so those files go in the private bucket and are fetched with oss2. Documents are few:
each one costs a LibreOffice run.
"""

from __future__ import annotations

import asyncio
import io
import random
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import oss2
import pytest
from PIL import Image

from tests.front.conftest import CLIENT_KEY, CLIENT_SECRET
from tests.front.xml import error_of
from tests.process.doc.linked import DOCX_MEMBERS

from .conftest import CASES, SEED
from .harness import Case, is_safe
from .mutate import mutate, mutate_zip_member
from .seeds import doc_seeds
from .test_decoders import IMAGE_CHAINS

# Pillow warns about the damage it reads past (the server reads headers to choose a lane).
pytestmark = [pytest.mark.fuzz, pytest.mark.filterwarnings("ignore::UserWarning:PIL.*")]

TIMEOUT_S = 10.0  # the server's limits.timeout_s: a job still running then is answered 503
DOC_TIMEOUT_S = 8.0  # limits.doc_timeout_s: one LibreOffice run, then 400
MARGIN_S = 5.0  # for the event loop, the request and the response on a busy machine
LIVE_CASES = CASES // 8
DOC_CASES = 12
NOT_OSS_XML = "(not an OSS error body)"
EXTENSIONS = {"jpeg": "jpg", "png": "png", "gif": "gif", "webp": "webp", "tiff": "tiff", "heic": "heic",
              "avif": "avif", "mp4": "mp4", "pdf": "pdf"}
# (chain, signed) per format: anonymous callers may only run image/ actions and video/snapshot.
LIVE_CHAINS = {
    **{fmt: [(chain, False) for chain in IMAGE_CHAINS] for fmt in ("jpeg", "png", "gif", "webp", "tiff", "heic",
                                                                   "avif")},
    "mp4": [("video/snapshot,t_0", False), ("video/info", True)],
    "pdf": [("doc/snapshot,page_1", True), ("doc/convert,target_txt", True)],
}
DOC_CHAIN = "doc/snapshot,page_1"  # one chain per office file: a failed conversion is not cached, each costs a run


@dataclass(frozen=True)
class LiveCase:
    fmt: str
    case: Case
    signed: bool


@dataclass(frozen=True)
class Answer:
    status: int
    code: str  # the OSS error code, "" for a 200
    seconds: float


def file_cases(format_seeds, all_seeds) -> list[LiveCase]:
    """An equal share of LIVE_CASES per binary format, each mutated file through its format's chains."""
    cases = []
    for fmt in EXTENSIONS:
        rng, share = random.Random(f"{SEED}:live:{fmt}"), LIVE_CASES // len(EXTENSIONS)
        for number in range(share // len(LIVE_CHAINS[fmt])):
            data, description = mutate(rng, rng.choice(format_seeds[fmt]), all_seeds)
            key = f"fuzz/{fmt}-{number}.{EXTENSIONS[fmt]}"
            cases += [LiveCase(fmt, Case(chain, data, key, description), signed) for chain, signed in LIVE_CHAINS[fmt]]
    return cases


def document_cases() -> list[LiveCase]:
    """DOC_CASES office files, RTF and DOCX in turn; half the DOCX have a part mutated inside an intact zip."""
    documents, rng = doc_seeds(), random.Random(f"{SEED}:live:doc")
    cases = []
    for number in range(DOC_CASES):
        fmt = ("rtf", "docx")[number % 2]
        if fmt == "docx" and rng.random() < 0.5:
            data, description = mutate_zip_member(rng, documents[fmt], DOCX_MEMBERS)
        else:
            data, description = mutate(rng, documents[fmt], list(documents.values()))
        cases.append(LiveCase(fmt, Case(DOC_CHAIN, data, f"fuzz/doc-{number}.{fmt}", description), True))
    return cases


async def timed(request: Callable[[], Awaitable[tuple[int, str]]]) -> Answer:
    started = time.monotonic()
    try:
        status, code = await asyncio.wait_for(request(), TIMEOUT_S + 2 * MARGIN_S)
    except TimeoutError:
        return Answer(0, "no answer", time.monotonic() - started)
    return Answer(status, code, time.monotonic() - started)


async def anonymous_get(client, key: str, process: str) -> tuple[int, str]:
    resp = await client.get(f"/photos/{key}", params={"x-oss-process": process})
    if resp.status == 200:
        await resp.read()
        return 200, ""
    try:
        return resp.status, (await error_of(resp))["Code"]
    except (AssertionError, ET.ParseError, KeyError):
        return resp.status, NOT_OSS_XML


def signed_getter(client) -> Callable[[str, str], Awaitable[tuple[int, str]]]:
    vault = oss2.Bucket(oss2.Auth(CLIENT_KEY, CLIENT_SECRET), str(client.make_url("/")).rstrip("/"), "vault",
                        connect_timeout=TIMEOUT_S + 2 * MARGIN_S)

    def fetch(key: str, process: str) -> tuple[int, str]:
        try:
            vault.get_object(key, process=process).read()
        except oss2.exceptions.ServerError as err:
            return err.status, err.code or NOT_OSS_XML
        return 200, ""

    return lambda key, process: asyncio.to_thread(fetch, key, process)


async def run_lane(cases: list[LiveCase], fetch: Callable[[LiveCase], Awaitable[tuple[int, str]]]
                   ) -> tuple[int, list[tuple[LiveCase, Answer]]]:
    """The cases one after another: how many were processed, and the unsafe or late answers."""
    processed, failures = 0, []
    for live in cases:
        answer = await timed(lambda live=live: fetch(live))
        processed += answer.status == 200
        unsafe = not (answer.status == 200 or is_safe(answer.status)) or answer.code == NOT_OSS_XML
        if unsafe or answer.seconds > TIMEOUT_S + MARGIN_S:
            failures.append((live, answer))
    return processed, failures


async def test_mutated_uploads_get_an_answer_or_a_client_error_in_time(
        make_client, local_root, format_seeds, all_seeds, tally, tmp_path):
    files, documents = file_cases(format_seeds, all_seeds), document_cases()
    for live in files + documents:
        path = local_root / ("vault" if live.signed else "photos") / live.case.key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(live.case.data)
    # Two workers and two lanes: LibreOffice runs on one while the other serves the files.
    client = await make_client(limits={"timeout_s": TIMEOUT_S, "doc_timeout_s": DOC_TIMEOUT_S, "workers": 2})
    signed_get = signed_getter(client)

    def fetch(live: LiveCase) -> Awaitable[tuple[int, str]]:
        if live.signed:
            return signed_get(live.case.key, live.case.process)
        return anonymous_get(client, live.case.key, live.case.process)

    started = time.monotonic()
    lanes = await asyncio.gather(run_lane(files, fetch), run_lane(documents, fetch))
    processed, failures = sum(lane[0] for lane in lanes), [f for lane in lanes for f in lane[1]]
    tally.add("live server", len(files) + len(documents), processed, len(failures), time.monotonic() - started)

    health = await client.get("/_osprey/healthz")
    normal = await client.get("/photos/red.jpg", params={"x-oss-process": "image/resize,w_50"})
    assert health.status == 200 and normal.status == 200
    assert Image.open(io.BytesIO(await normal.read())).size == (50, 25)
    if failures:
        pytest.fail(live_report(failures, tmp_path), pytrace=False)
    assert processed >= 0.05 * (len(files) + len(documents)), f"only {processed} requests were processed"


def live_report(failures: list[tuple[LiveCase, Answer]], folder: Path) -> str:
    lines = [f"{len(failures)} unsafe or late answers; inputs in {folder}"]
    for number, (live, answer) in enumerate(failures):
        (folder / f"{number}-{live.fmt}.bin").write_bytes(live.case.data)
        lines.append(f"[{number}] {answer.status} {answer.code} after {answer.seconds:.1f} s for {live.case.key} "
                     f"?x-oss-process={live.case.process}: {live.case.description}")
    return "\n".join(lines)
