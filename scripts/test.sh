#!/usr/bin/env bash
# Runs every test (unit, integration with the real tools, e2e with real nx) and ends with
# one line 'N passed, N failed'.
set -uo pipefail
cd "$(dirname "$0")/.."
results=$(mktemp)
npx jest --runInBand --json --outputFile="$results" "$@"
status=$?
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' "$results" || status=1
rm -f "$results"
exit $status
