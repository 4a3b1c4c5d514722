#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 (trust auth, 127.0.0.1:55432, database `circleactors`) for
# tests and local runs, and prints its connection string as the last line of stdout; progress
# goes to stderr. Idempotent: when it is already running it only prints the connection string.
# Runs the server as the `postgres` user when started by root (PostgreSQL refuses to run as root).
# Usage: scripts/start-postgres.sh [base-dir]   (default /tmp/circleactors-pg; holds data/, log, socket)
# Stop it with scripts/stop-postgres.sh [base-dir].
set -euo pipefail
cd "$(dirname "$0")/.."

base="${1:-/tmp/circleactors-pg}"
port=55432
database=circleactors
pgbin=/usr/lib/postgresql/15/bin
connection="Host=127.0.0.1;Port=$port;Database=$database;Username=postgres"

fail() { echo "start-postgres: $*" >&2; exit 1; }

[ -x "$pgbin/pg_ctl" ] || fail "PostgreSQL 15 is not at $pgbin; run scripts/install-prerequisites.sh"

if [ "$(id -u)" = 0 ]; then
  as_owner() { runuser -u postgres -- "$@"; }
else
  as_owner() { "$@"; }
fi

mkdir -p "$base"
base="$(cd "$base" && pwd)"
data="$base/data"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$base"
as_owner test -w "$base" || fail "$base is not writable by the server's user (a parent directory may be closed to it)"

if ! as_owner "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  # Another instance on the port would make pg_ctl fail with a log line only; say so plainly.
  if "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    fail "another PostgreSQL already listens on 127.0.0.1:$port; stop it or pass its base dir"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    echo "start-postgres: creating a cluster in $data" >&2
    as_owner "$pgbin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$base/initdb.log" 2>&1 \
      || { cat "$base/initdb.log" >&2; fail "initdb failed"; }
  fi
  echo "start-postgres: starting on 127.0.0.1:$port (log: $base/log)" >&2
  # max_connections: test classes run in parallel, each node with its own pools (journal, snapshots,
  # sharding, read store), and a burst of recovering entities fills the snapshot store's pool; the
  # default of 100 was reached.
  as_owner "$pgbin/pg_ctl" -D "$data" -l "$base/log" -w -t 60 \
    -o "-p $port -k $base -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null \
    || { tail -n 20 "$base/log" >&2 || true; fail "pg_ctl start failed"; }
fi

psql() { "$pgbin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
exists="$(psql -tAc "select 1 from pg_database where datname = '$database'")" || fail "cannot query the server"
if [ "$exists" != 1 ]; then
  psql -c "create database $database" || fail "cannot create database $database"
fi

echo "$connection"
