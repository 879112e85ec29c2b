#!/usr/bin/env bash
# `npm test`: every test, with the real parts.
#   1. system packages (Chromium, Firefox ESR, Request Tracker 5, PostgreSQL, nginx) —
#      scripts/install-system-deps.sh
#   2. typecheck — tsc --noEmit
#   3. bench smoke — `npm run bench -- --quick`: every bench section on tiny inputs; fails only
#      when a section crashes (no timing assertions; its report goes to $TMPDIR/baton-bench-quick)
#   4. vitest, all projects: unit, api, e2e (its global setup builds the test extension and
#      starts RT 5; unit and api share a throwaway PostgreSQL cluster, started and stopped by
#      their global setup)
# Ends with a plain `N passed, N failed[, N skipped]` line; exits non-zero on any failure.
# Extra arguments go to vitest (e.g. `npm test -- --project unit`).
set -uo pipefail
cd "$(dirname "$0")/.."

failed_steps=0
step() { printf '\n== %s\n' "$*"; }

step "system packages"
if ! bash scripts/install-system-deps.sh; then
  echo "install-system-deps failed: the end-to-end tests will fail too" >&2
  failed_steps=$((failed_steps + 1))
fi

step "typecheck (tsc --noEmit -p .)"
t0=$(date +%s)
if npx tsc --noEmit -p .; then
  echo "typecheck clean in $(( $(date +%s) - t0 ))s"
else
  echo "typecheck FAILED" >&2
  failed_steps=$((failed_steps + 1))
fi

step "bench smoke (npm run bench -- --quick)"
t0=$(date +%s)
bench_log="$(mktemp -t baton-bench-XXXXXX.log)"
if npm run --silent bench -- --quick >"$bench_log" 2>&1; then
  echo "bench smoke: $(tail -n 1 "$bench_log") in $(( $(date +%s) - t0 ))s"
  rm -f "$bench_log"
else
  tail -n 60 "$bench_log" >&2
  echo "bench smoke FAILED (whole log: $bench_log)" >&2
  failed_steps=$((failed_steps + 1))
fi

step "vitest run (unit, api, e2e)"
report="$(mktemp -t baton-vitest-XXXXXX.json)"
trap 'rm -f "$report"' EXIT
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
vitest_rc=$?

# Count from vitest's JSON report: tests that passed, failed and were skipped; tests of a failed
# file that never ran (an error while loading it or in a hook) count as failed, and so does a
# failed file with no tests, and each failed step above.
node - "$report" "$failed_steps" "$vitest_rc" <<'EOF'
const fs = require('node:fs');
const [file, stepsFailed, rc] = process.argv.slice(2);
let passed = 0, failed = Number(stepsFailed), skipped = 0;
let r = null;
try { r = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { /* no report: vitest itself failed */ }
if (r) {
  passed = r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  for (const f of r.testResults ?? []) {
    if (f.status !== 'failed') continue;
    const a = f.assertionResults ?? [];
    // Tests that did not run because their file or a hook failed count as failed, not skipped.
    const casualties = a.filter((t) => t.status === 'skipped' || t.status === 'pending').length;
    skipped -= casualties;
    failed += casualties;
    if (!a.some((t) => t.status === 'failed') && casualties === 0) failed += 1;
  }
} else if (Number(rc) !== 0) {
  failed += 1;
}
if (!r && Number(rc) === 0 && passed === 0) failed += 1; // ran nothing
if (Number(rc) !== 0 && failed === 0) failed = 1; // vitest failed for a reason it did not count
console.log('');
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
EOF
