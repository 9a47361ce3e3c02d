#!/usr/bin/env bash
# Installs PostgreSQL when it is missing: the indexer's conformance suite runs
# against a real server (tests/postgres_server.py starts a throwaway cluster on
# loopback with initdb and pg_ctl as the `postgres` user; no service is
# enabled or started here). Idempotent: nothing happens when initdb is there.
# Without root it prints what to install and carries on; the PostgreSQL tests
# are then skipped with that reason.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "note: the PostgreSQL indexer tests will be skipped (run: sudo apt-get install --no-install-recommends postgresql)" >&2
  exit 0
fi
echo "installing PostgreSQL (for the indexer tests)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql
