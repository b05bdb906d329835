#!/usr/bin/env bash
# Set up everything (system packages included) and run the whole test suite, lint and layering checks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check proxy tests bench
.venv/bin/lint-imports
.venv/bin/python -m pytest -q "$@"
