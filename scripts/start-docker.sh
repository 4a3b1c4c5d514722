#!/usr/bin/env bash
# Starts a Docker engine on the default socket when none answers, so executor tests and a
# local agent have one. Idempotent: does nothing when `docker info` already works.
# Usage: scripts/start-docker.sh [log-dir]   (default /tmp/circleactors-docker)
set -euo pipefail

log_dir="${1:-/tmp/circleactors-docker}"

fail() { echo "start-docker: $*" >&2; exit 1; }

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || fail "dockerd is missing and installing docker.io needs root"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || fail "apt-get update failed"
  apt-get install -y -qq docker.io >/dev/null || fail "apt-get install docker.io failed"
fi
command -v docker >/dev/null 2>&1 || fail "the docker client is missing after installing docker.io"

mkdir -p "$log_dir"
pidfile="$log_dir/dockerd.pid"
logfile="$log_dir/dockerd.log"

# A daemon we started earlier may still be coming up; only start another when it is gone.
if ! { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
  rm -f "$pidfile"
  nohup dockerd --host unix:///var/run/docker.sock --pidfile "$pidfile" >"$logfile" 2>&1 </dev/null &
fi

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    exit 0
  fi
  sleep 1
done
fail "dockerd did not answer within 60 s; last lines of $logfile:
$(tail -n 20 "$logfile" 2>/dev/null)"
