#!/usr/bin/env bash
# The whole check suite behind `make test`: Backstage version coherence,
# type check, lint, prettier and every Jest test. Each static check counts
# as one result, each Jest test as one; the last line is `N passed, N failed`.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=env.sh
source scripts/env.sh
export CI="${CI:-true}" # Jest runs once, every test, no watch mode

passed=0
failed=0
failures=()
# how long each step took, for docs/benchmarks.md (scripts/bench/suite-durations.mjs)
steps="$root/.tools/test-steps.tsv"
: >"$steps"
step() {
  local name="$1"
  shift
  printf '\n== %s\n' "$name"
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
  fi
  printf '%s\t%s\n' "$name" "$((SECONDS - start))" >>"$steps"
}

step "Backstage release coherence" node scripts/check-backstage-versions.mjs
step "changesets name workspace packages" node scripts/check-changesets.mjs
step "yarn dedupe --check" yarn dedupe --check
# from scratch, as on a fresh clone: the API reports print some union
# members in the order tsc created their types, which an incremental build
# can change
rm -f dist-types/tsconfig.tsbuildinfo
step "type check (tsc)" yarn tsc
# the public surface of every package, as committed in its report.api.md
# (uses the declarations tsc just wrote to dist-types)
step "API reports (repo-tools)" yarn api-reports --ci
step "lint (eslint)" yarn backstage-cli repo lint
step "prettier --check" yarn prettier --check .

printf '\n== tests (jest)\n'
results="$root/.tools/jest-results.json"
rm -f "$results"
# service-backed suites (dnsmasq, PostgreSQL, Redis started by the tests on
# loopback) note here whether they ran, were skipped (and why) or failed
services="$root/.tools/service-suites.txt"
: >"$services"
jest_start=$SECONDS
CLUSTERMESH_DNS_SERVICE_REPORT="$services" yarn backstage-cli repo test --json --outputFile="$results" "$@"
jest_status=$?
printf '%s\t%s\n' "tests (jest, the end-to-end suite included)" "$((SECONDS - jest_start))" >>"$steps"


printf '\n== service-backed suites\n'
if [ -s "$services" ]; then
  sort -u "$services" | sed 's/^/  /'
else
  echo "  none ran (no service-backed suite in this selection)"
fi
if [ -s "$results" ]; then
  read -r jp jf < <(node -e '
    const r = require(process.argv[1]);
    const crashed = r.testResults.filter(s => s.status === "failed" && s.assertionResults.length === 0).length;
    console.log(r.numPassedTests, r.numFailedTests + crashed);
  ' "$results")
  passed=$((passed + jp))
  failed=$((failed + jf))
  if [ "$jest_status" -ne 0 ] && [ "$jf" -eq 0 ]; then
    failed=$((failed + 1))
    failures+=("jest exited with status $jest_status")
  elif [ "$jf" -gt 0 ]; then
    failures+=("$jf jest test(s)")
  fi
else
  failed=$((failed + 1))
  failures+=("jest produced no results (status $jest_status)")
fi

echo
if [ "$failed" -gt 0 ]; then
  echo "Failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
