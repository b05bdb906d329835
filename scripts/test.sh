#!/usr/bin/env bash
# Set up everything (system packages included) and run the whole test suite, lint and layering checks.
# pytest runs on a copy of the repository's files in a fresh temporary folder with nothing beside it, so a
# test that reaches outside the repository fails here as it would in a stranger's clone.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check proxy tests bench
.venv/bin/lint-imports

alone=$(mktemp -d)
trap 'rm -rf "$alone"' EXIT
# What a clone holds (tracked files), plus files not yet committed but not ignored: the tree as it would land.
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' path; do
  [ -e "$path" ] && printf '%s\0' "$path"
done | tar --null -T - -cf - | (mkdir "$alone/osprey" && tar -xf - -C "$alone/osprey")
ln -s "$PWD/.venv" "$alone/osprey/.venv"
cd "$alone/osprey"
# The venv's editable install points at the original tree; PYTHONPATH makes every process (workers,
# `osprey` console scripts, servers the fixtures start) import the copy instead.
export PYTHONPATH="$PWD"
.venv/bin/python - <<'EOF'
import os, proxy
assert os.path.dirname(os.path.dirname(proxy.__file__)) == os.getcwd(), f"proxy imported from {proxy.__file__}"
EOF
echo "pytest runs in $PWD (a copy of the repository with nothing beside it)"
.venv/bin/python -m pytest -q "$@"
