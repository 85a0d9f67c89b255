#!/usr/bin/env bash
# Install Loop with its test tools into ./.venv and run the test suite.
# SQLite by default; set LOOP_TEST_DATABASE_URL=postgresql://user@host:5432/db to run it on PostgreSQL.
# Extra arguments go to pytest, e.g.: bash scripts/test.sh -k tokens -x
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[postgres,redis,dev]" 2>&1 \
  | grep -v '^WARNING: Location' || true
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests for this selection"
  status=0
fi
exit "$status"
