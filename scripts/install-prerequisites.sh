#!/usr/bin/env bash
# Installs the Debian packages the server and its tests need (Docker engine, busybox for local
# images, git, PostgreSQL 15, ps, tmux, bubblewrap for the machine executor's sandbox, Node.js and
# npm for the web UI's SignalR client, Chromium for the browser tests, openssh-server for the
# checkout specs' sshd) and the unprivileged account machine steps run as. Idempotent: prints
# nothing and touches no package index when everything is already there.
# Usage: scripts/install-prerequisites.sh
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(docker.io busybox-static git postgresql procps tmux curl bubblewrap nodejs chromium openssh-server)

fail() { echo "install-prerequisites: $*" >&2; exit 1; }

# `dpkg -s` also succeeds for a package removed with its config files kept, so read its status;
# sed reads to the end, where `grep -q` could stop early and fail the pipe under pipefail.
installed() { [ "$(dpkg -s "$1" 2>/dev/null | sed -n 's/^Status: //p')" = "install ok installed" ]; }

# The API compatibility spec drives the server with an npm client. Node may come from another
# source than Debian (whose npm conflicts with NodeSource's nodejs): ask only when there is none.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for package in "${packages[@]}"; do
  installed "$package" || missing+=("$package")
done
# The build installs the browser's SignalR client with npm; some nodejs builds carry npm themselves.
command -v npm >/dev/null 2>&1 || installed npm || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || fail "missing ${missing[*]}; installing them needs root"
  echo "install-prerequisites: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || fail "apt-get update failed"
  apt-get install -y -qq "${missing[@]}" >/dev/null || fail "apt-get install ${missing[*]} failed"
  for package in "${missing[@]}"; do
    installed "$package" || fail "$package is still not installed after apt-get install"
  done
fi

# Machine steps run as this account when the agent runs as root (docs/agent-protocol.md).
build_user=circleactors-build
if ! id "$build_user" >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || fail "the account $build_user is missing; creating it needs root"
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$build_user" \
    || fail "creating the account $build_user failed"
fi
