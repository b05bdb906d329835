"""Fixtures of the fuzz tests: the seeds, the server of the front tests, the run's size, and a summary.

`OSPREY_FUZZ_CASES` sets how many decoder cases run (the live server gets an eighth of them),
`OSPREY_FUZZ_SEED` picks another deterministic sequence of mutations; select the tests with `-m fuzz`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import pytest

from tests.front.conftest import local_root, make_client  # noqa: F401  (the front tests' server, reused)

from . import seeds
from .mutate import Seed

CASES = int(os.environ.get("OSPREY_FUZZ_CASES", "9000"))
SEED = os.environ.get("OSPREY_FUZZ_SEED", "osprey")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: seeded mutation fuzzing of the decoders and the live server")


@dataclass
class Tally:
    """Cases run, how they ended, and the time taken, per fuzz target: printed at the end of the run."""

    rows: dict[str, tuple[int, int, int, float]] = field(default_factory=dict)

    def add(self, target: str, cases: int, succeeded: int, failed: int, seconds: float) -> None:
        self.rows[target] = (cases, succeeded, failed, seconds)


_TALLY = Tally()


@pytest.fixture(scope="session")
def tally() -> Tally:
    return _TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _TALLY.rows:
        return
    terminalreporter.section(f"fuzz (seed {SEED!r})")
    for target, (cases, succeeded, failed, seconds) in _TALLY.rows.items():
        terminalreporter.line(f"{target:<16} {cases:>5} cases  {succeeded:>5} processed  {failed:>3} failed  "
                              f"{seconds:6.1f} s")


@pytest.fixture(scope="session")
def format_seeds() -> dict[str, list[Seed]]:
    """Every binary format the fuzzer mutates, by name."""
    return seeds.image_seeds() | {"pdf": seeds.pdf_seeds(), "mp4": seeds.mp4_seeds()}


@pytest.fixture(scope="session")
def all_seeds(format_seeds) -> list[Seed]:
    """What splices take their tails from."""
    return [seed for family in format_seeds.values() for seed in family]
