#!/usr/bin/env bash
# The first README command: on a fresh Debian 12 machine (root, .NET SDK 10 present) installs
# what is missing, builds CircleActors, starts the server on the embedded default (SQLite
# journal and blob store in the data directory, an in-process agent), adds a sample project
# and runs its pipeline until it is green. Idempotent: a server already running is reused.
# Environment: CIRCLEACTORS_DATA_DIR (default .data in the repository), CIRCLEACTORS_HTTP
# (default http://127.0.0.1:7000).
# Usage: scripts/setup-and-run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

data="${CIRCLEACTORS_DATA_DIR:-$root/.data}"
http="${CIRCLEACTORS_HTTP:-http://127.0.0.1:7000}"
bin="$root/artifacts/bin"
cli="$bin/circleactors"

fail() { echo "setup-and-run.sh: $*" >&2; exit 1; }

scripts/install-prerequisites.sh || fail "installing prerequisites failed"
scripts/start-docker.sh || fail "starting Docker failed"
scripts/build-test-images.sh || fail "building the local images failed"

echo "setup-and-run.sh: building circleactors" >&2
dotnet build src/Hosts/CircleActors.Cli -c Release -o "$bin" --verbosity quiet || fail "the build failed"

mkdir -p "$data"
if [ "$(curl -s -o /dev/null -w "%{http_code}" "$http/api/v2/project/gh/x/y" || true)" = "401" ]; then
  echo "setup-and-run.sh: a server already answers on $http; using it" >&2
else
  echo "setup-and-run.sh: starting the server (log: $data/server.log)" >&2
  nohup "$cli" server --data-dir "$data" --http "$http" >>"$data/server.log" 2>&1 &
  echo $! >"$data/server.pid"
  for _ in $(seq 1 120); do
    code="$(curl -s -o /dev/null -w '%{http_code}' "$http/api/v2/project/gh/x/y" || true)"
    [ "$code" = "401" ] && break
    kill -0 "$(cat "$data/server.pid")" 2>/dev/null || fail "the server exited; see $data/server.log"
    sleep 0.5
  done
  [ "$code" = "401" ] || fail "the server did not answer on $http within 60 s; see $data/server.log"
fi

# The sample project: a local git repository with a two-job workflow (build, then test).
sample="$data/sample-repo"
if [ ! -d "$sample/.git" ]; then
  mkdir -p "$sample/.circleci"
  cat >"$sample/.circleci/config.yml" <<'YAML'
version: 2.1
jobs:
  build:
    docker:
      - image: circleactors/busybox:latest
    steps:
      - checkout
      - run:
          name: Build
          command: echo "built from $CIRCLE_SHA1" > build.txt && cat build.txt
  test:
    docker:
      - image: circleactors/busybox:latest
    steps:
      - checkout
      - run:
          name: Test
          command: test -f README.md && echo "tests passed on $CIRCLE_BRANCH"
workflows:
  build-and-test:
    jobs:
      - build
      - test:
          requires: [build]
YAML
  echo "A sample project for CircleActors." >"$sample/README.md"
  git -C "$sample" init -q -b main
  git -C "$sample" add -A
  git -C "$sample" -c user.name=CircleActors -c user.email=sample@circleactors.invalid commit -q -m "Sample project"
fi

export CIRCLEACTORS_SERVER="$http"
"$cli" project add gh/circleactors/sample --repo-url "$sample" --data-dir "$data" >/dev/null
echo "setup-and-run.sh: running the sample pipeline" >&2
"$cli" pipeline trigger gh/circleactors/sample --branch main --wait --data-dir "$data" || fail "the sample pipeline did not go green"

cat <<MSG

CircleActors is running on $http (data in $data, server log $data/server.log).
API token: $data/admin.token (send it in the Circle-Token header)
Try:  $cli logs gh/circleactors/sample 1 --data-dir $data
Stop: kill \$(cat $data/server.pid)
MSG
