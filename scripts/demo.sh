#!/usr/bin/env bash
# Set up Osprey and start the demo: a local directory bucket with sample images, URLs printed.
set -euo pipefail
cd "$(dirname "$0")/.."
OSPREY_EXTRAS=${OSPREY_EXTRAS:-test} bash scripts/setup.sh
exec .venv/bin/osprey demo "$@"
