#!/usr/bin/env bash
# Runs every test project under tests/ on a fresh Debian 12 machine (root, .NET SDK 10 present):
# installs prerequisites, starts Docker and PostgreSQL, builds the solution once in Release, runs
# each test project in turn, and ends with exactly one line `N passed, N failed, N skipped`.
# Exits non-zero when a test fails, the build fails, or a test project fails to run.
# Environment: CIRCLEACTORS_TEST_HANG_TIMEOUT (default 20m) ends a test project that stops making progress.
# Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# English output pinned, since the per-assembly summary lines are parsed below.
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_CLI_UI_LANGUAGE=en
hang_timeout="${CIRCLEACTORS_TEST_HANG_TIMEOUT:-20m}"

fail() { echo "test.sh: $*" >&2; exit 1; }

# A merge that left its conflict markers behind is a failure, whichever file they are in.
if git rev-parse --git-dir >/dev/null 2>&1 && git grep -nE '^(<<<<<<<|>>>>>>>) ' -- . ':!*.verified.*' >&2; then
  fail "merge conflict markers are committed (listed above)"
fi

scripts/install-prerequisites.sh || fail "installing prerequisites failed"
# Provided by the executor work; absent on branches that predate it.
if [ -x scripts/start-docker.sh ]; then scripts/start-docker.sh || fail "starting Docker failed"; fi
if [ -x scripts/build-test-images.sh ]; then scripts/build-test-images.sh || fail "building test images failed"; fi
connection="$(scripts/start-postgres.sh | tail -n 1)" || fail "starting PostgreSQL failed"
export CIRCLEACTORS_TEST_POSTGRES="$connection"

echo "test.sh: building CircleActors.sln (Release)" >&2
dotnet build CircleActors.sln -c Release --verbosity quiet || fail "the build failed; no tests were run"

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

mapfile -t projects < <(find tests -name '*.csproj' | sort)
[ ${#projects[@]} -gt 0 ] || fail "no test projects under tests/"

# One line per test assembly, e.g. `Failed!  - Failed:     1, Passed:    65, Skipped:     1, Total:    67, ...`.
summary='Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+), Total:'
# One line per failed test, e.g. `  Failed CircleActors.X.Specs.Name [12 s]`: listed again at the end,
# where a log cut to its tail still shows which tests they were.
failed_test='^ *Failed (.+) \[[0-9<]'
# Its message follows `  Error Message:` until `  Stack Trace:`; the first lines go with the name.
message_start='^ *Error Message:' message_end='^ *(Stack Trace:|Standard Output Messages:)'
passed=0 failed=0 skipped=0
broken=() failed_tests=()

for project in "${projects[@]}"; do
  name="$(basename "$project" .csproj)"
  log="$logs/$name.log"
  echo "test.sh: $name" >&2
  # Sequential on purpose: the machines have two cores, and the projects share Docker and PostgreSQL.
  rm -rf "artifacts/test-results/$name"
  status=0
  dotnet test "$project" --no-build -c Release --verbosity minimal \
    --blame-hang-timeout "$hang_timeout" --blame-hang-dump-type none \
    --results-directory "artifacts/test-results/$name" 2>&1 | tee "$log" || status=$?

  found=0 project_failed=0 message_lines=-1
  while IFS= read -r line; do
    if [ "$message_lines" -ge 0 ]; then
      if [[ $line =~ $message_end ]] || [ "$message_lines" -ge 6 ]; then
        message_lines=-1
      else
        failed_tests[-1]+=$'\n    '"${line:0:400}"
        message_lines=$((message_lines + 1))
        continue
      fi
    fi
    if [[ $line =~ $message_start ]] && [ ${#failed_tests[@]} -gt 0 ]; then
      message_lines=0
    elif [[ $line =~ $summary ]]; then
      project_failed=$((project_failed + BASH_REMATCH[1]))
      passed=$((passed + BASH_REMATCH[2]))
      skipped=$((skipped + BASH_REMATCH[3]))
      found=1
    elif [[ $line =~ $failed_test ]]; then
      failed_tests+=("${BASH_REMATCH[1]}")
    fi
  done <"$log"
  failed=$((failed + project_failed))

  # A project with no tests prints no summary and exits 0; a non-zero exit is only explained by
  # failed tests, anything else (crash, hang, missing assembly) means the project did not run.
  if [ "$status" -ne 0 ] && [ "$project_failed" -eq 0 ]; then
    broken+=("$name")
  elif [ "$status" -eq 0 ] && [ "$found" -eq 0 ]; then
    echo "test.sh: $name has no tests" >&2
  fi
done

for test in "${failed_tests[@]}"; do echo "test.sh: failed: $test" >&2; done
if [ ${#broken[@]} -gt 0 ]; then
  echo "test.sh: did not run to completion: ${broken[*]}" >&2
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
