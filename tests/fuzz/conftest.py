"""Fixtures of the fuzz tests: the server of the front tests."""

from __future__ import annotations

from tests.front.conftest import local_root, make_client  # noqa: F401  (the front tests' server, reused)
