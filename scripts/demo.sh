#!/usr/bin/env bash
# The main job: build both sample drivers by local LTO, run the uring host program, and
# show each driver's inline report.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false
npx nx run-many -t build test -p kuid uring-nop --outputStyle=static
echo
for driver in kuid uring-nop; do
  node -e '
    const r = require(process.argv[1]);
    const s = r.summary;
    console.log(`${r.object}: ${s.callSites} helper call sites, ${s.inlined} inlined, ${s.calls} calls; ${s.leakedHelpers} helpers exported`);
  ' "$PWD/dist/drivers/$driver/inline-report.json"
done
