#!/usr/bin/env bash
# The whole suite: lint, types, tests on SQLite, the same tests on a real PostgreSQL that this
# script starts, and browser tests in Debian's Chromium. Exits non-zero on any failure,
# including a pytest run that collected no tests (exit code 5).
set -uo pipefail
cd "$(dirname "$0")/.."
KAIKU_SETUP_TEST=1 bash scripts/setup.sh || exit 1
export KAIKU_TESTING=1 PYTHONDONTWRITEBYTECODE=1
start=$(date +%s)
results=$(mktemp -d)
status=0

step() { echo; echo "==> $*"; }
fail() { echo "FAILED: $*"; status=1; }
run_pytest() {  # run_pytest NAME ARGS...: a pytest run that must collect and pass tests
  local name=$1; shift
  "$@" --junitxml="$results/$name.xml"
  local rc=$?
  if [ $rc -eq 5 ]; then fail "$name collected no tests"; elif [ $rc -ne 0 ]; then fail "$name"; fi
}

# The local Bluesky network's one-time install (npm ci: about 2 minutes in a fresh clone, most
# of it compiling SQLite for Node) runs in the background. The test files that need the network
# run last in each pass (tests/conftest.py) and wait for the install (scripts/bluesky-local.sh).
bluesky_pid=
if [ -x scripts/bluesky-local.sh ]; then
  bash scripts/bluesky-local.sh setup >"$results/bluesky-setup.txt" 2>&1 &
  bluesky_pid=$!
fi

# pytest-xdist: one test process per core (at least two: many tests wait on sockets and
# subprocesses rather than the CPU). Tests that share the local Bluesky network stay on one
# worker (tests/conftest.py marks them as one xdist group).
workers=${KAIKU_TEST_WORKERS:-$(( $(nproc) > 2 ? $(nproc) : 2 ))}
parallel=(-n "$workers" --dist loadgroup)

step "ruff"
.venv/bin/ruff check kaiku tests bench || fail "ruff check"
.venv/bin/ruff format --check kaiku tests bench || fail "ruff format"

step "mypy --strict kaiku"
.venv/bin/mypy --strict kaiku || fail "mypy"

step "import contracts (lint-imports)"
.venv/bin/lint-imports || fail "lint-imports"

step "tests on SQLite"
run_pytest sqlite .venv/bin/pytest -q -m "not browser" -p no:cacheprovider "${parallel[@]}"

if [ -n "$bluesky_pid" ]; then
  step "local Bluesky network (setup, in the background since the start)"
  wait "$bluesky_pid" || fail "bluesky-local setup"
  cat "$results/bluesky-setup.txt"
fi

step "the tests that use the database, again on PostgreSQL"
# The others (clients against their servers, parsers, the language library) do not depend on
# the database and have just run: tests/conftest.py leaves them out of this pass.
KAIKU_DATABASE_TESTS_ONLY=1 run_pytest postgres bash scripts/with-postgres.sh .venv/bin/pytest \
  -q -m "not browser" -p no:cacheprovider --ignore=tests/language "${parallel[@]}"

step "browser tests (Chromium)"
run_pytest browser .venv/bin/pytest -q -m browser -p no:cacheprovider "${parallel[@]}"

.venv/bin/python - "$results" "$start" <<'PY'
import sys, time, pathlib, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.xml")):
    for suite in ET.parse(path).getroot().iter("testsuite"):
        total, f, e, s = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
        failed += f + e; skipped += s; passed += total - f - e - s
print(f"\nwall time: {time.time() - int(sys.argv[2]):.0f} s")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
