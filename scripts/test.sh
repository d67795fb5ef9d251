#!/usr/bin/env bash
# Set up everything the tests need and run them all: lint, unit, property, API on SQLite
# and PostgreSQL, EVM (eth-tester and anvil), browser, and Fabric when its binaries exist.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --dev || exit 1

# PostgreSQL: the production database path is tested against a real server.
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    [[ -n "$version" ]] && pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
fi

.venv/bin/ruff check . || exit 1

.venv/bin/python -m pytest "$@"
rc=$?
if [[ $rc -eq 5 ]]; then
  echo "test: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit $rc
