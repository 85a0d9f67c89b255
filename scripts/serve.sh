#!/usr/bin/env bash
# Install Loop into ./.venv and start it on the embedded store (SQLite; no other service needed).
# Extra arguments go to `loop serve`, e.g.: bash scripts/serve.sh --port 8080 --data-dir ./loop-data
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e . 2>&1 | grep -v '^WARNING: Location' || true
exec .venv/bin/loop serve "$@"
