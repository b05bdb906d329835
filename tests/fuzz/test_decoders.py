"""Mutated files through `run_chain` in child processes: every case ends in a result or a 4xx/503 OssError.

Each format gets an equal share of OSPREY_FUZZ_CASES; every mutated input runs through each of its
format's chains. The mutations are a deterministic function of OSPREY_FUZZ_SEED and the format.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest
from pebble import ProcessPool

from .conftest import CASES, SEED
from .harness import Case, new_pool, report, run_cases
from .mutate import Seed, mutate

pytestmark = pytest.mark.fuzz

IMAGE_CHAINS = ("image/resize,w_100", "image/info", "image/format,png")
CHAINS = {
    **dict.fromkeys(("jpeg", "png", "gif", "webp", "tiff", "heic", "avif"), IMAGE_CHAINS),
    "pdf": ("doc/snapshot,page_1", "doc/convert,target_txt"),
    "mp4": ("video/snapshot,t_0", "video/info", "video/snapshot,t_1000,m_fast"),
}
KEYS = {"pdf": "fuzz.pdf"}  # doc/ reads the type from the key; the other categories sniff the bytes
# A fuzzer whose inputs all fail at the first header check tests nothing: this share must decode.
MIN_PROCESSED = 0.05


def cases_for(fmt: str, family: list[Seed], others: list[Seed], count: int) -> list[Case]:
    rng = random.Random(f"{SEED}:{fmt}")
    cases: list[Case] = []
    while len(cases) < count:
        data, description = mutate(rng, rng.choice(family), others)
        cases += [Case(chain, data, KEYS.get(fmt, "fuzz"), description) for chain in CHAINS[fmt]]
    return cases[:count]


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPool]:
    workers = new_pool()
    yield workers
    workers.stop()
    workers.join()


@pytest.mark.parametrize("fmt", list(CHAINS))
def test_mutated_files_get_an_answer_or_a_client_error(fmt, pool, format_seeds, all_seeds, tally, tmp_path):
    cases = cases_for(fmt, format_seeds[fmt], all_seeds, CASES // len(CHAINS))
    started = time.monotonic()
    results = run_cases(pool, cases)
    tally.add(f"decoders/{fmt}", len(cases), results.processed, len(results.failures), time.monotonic() - started)
    if results.failures:
        pytest.fail(report(pool, results.failures, tmp_path), pytrace=False)
    assert results.processed >= MIN_PROCESSED * len(cases), f"only {results.processed} of {len(cases)} decoded"


@pytest.mark.parametrize("fmt", list(CHAINS))
def test_every_seed_processes_unmutated(fmt, pool, format_seeds):
    """The fuzzer starts from files the server handles: otherwise every case would be a rejection."""
    cases = [Case(chain, seed.data, KEYS.get(fmt, "fuzz"), seed.name)
             for seed in format_seeds[fmt] for chain in CHAINS[fmt]]
    results = run_cases(pool, cases)
    assert (results.processed, results.failures) == (len(cases), [])
