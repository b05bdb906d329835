"""The README's configuration table names every config key Osprey reads: a knob nobody can find is no knob."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from proxy.config import BucketConfig, CacheConfig, ServerConfig, UpstreamConfig
from proxy.limits import Limits

README = Path(__file__).resolve().parents[1] / "README.md"
SECTIONS = {"server": ServerConfig, "upstream": UpstreamConfig, "cache": CacheConfig, "limits": Limits,
            "buckets.<name>": BucketConfig}


def _table_keys(text: str) -> set[str]:
    """Every `section.key` in the first column of a README table row."""
    rows = (line.split("|")[1] for line in text.splitlines() if line.startswith("| `"))
    return {key for row in rows for key in re.findall(r"`([a-z0-9_<>.]+\.[a-z0-9_]+)`", row)}


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_the_readme_table_names_every_key_of_each_section(section):
    keys = {f"{section}.{field.name}" for field in dataclasses.fields(SECTIONS[section])}
    assert sorted(keys - _table_keys(README.read_text(encoding="utf-8"))) == []


def test_the_table_reader_sees_rows_and_only_their_first_column():
    text = "| `limits.a`, `limits.b` | 1 | see `limits.c` |\nprose `limits.d`\n"
    assert _table_keys(text) == {"limits.a", "limits.b"}
