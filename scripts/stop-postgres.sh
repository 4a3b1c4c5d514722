#!/usr/bin/env bash
# Stops the PostgreSQL that scripts/start-postgres.sh started; the data stays for the next start.
# Idempotent: quiet when it is not running.
# Usage: scripts/stop-postgres.sh [base-dir]   (default /tmp/circleactors-pg; remove it to start afresh)
set -euo pipefail
cd "$(dirname "$0")/.."

base="${1:-/tmp/circleactors-pg}"
pgbin=/usr/lib/postgresql/15/bin

fail() { echo "stop-postgres: $*" >&2; exit 1; }

[ -f "$base/data/PG_VERSION" ] || exit 0
[ -x "$pgbin/pg_ctl" ] || fail "PostgreSQL 15 is not at $pgbin"

if [ "$(id -u)" = 0 ]; then
  as_owner() { runuser -u postgres -- "$@"; }
else
  as_owner() { "$@"; }
fi

as_owner "$pgbin/pg_ctl" -D "$base/data" status >/dev/null 2>&1 || exit 0
# Fast mode: tests hold pooled connections, and smart mode would wait for them forever.
as_owner "$pgbin/pg_ctl" -D "$base/data" -m fast -w -t 60 stop >/dev/null || fail "pg_ctl stop failed"
