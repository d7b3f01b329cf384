#!/usr/bin/env bash
# The main job: build the sample drivers by local LTO, run the uring host program, build the
# kernel module with kbuild and load it in the tree's kernel under QEMU, and show each
# driver's inline report and the kernel checks.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false
npx nx run-many -t build test -p kuid uring-nop kuid-kmod --outputStyle=static
echo
for driver in kuid uring-nop kuid-kmod; do
  node -e '
    const r = require(process.argv[1]);
    const s = r.summary;
    console.log(`${r.object}: ${s.callSites} helper call sites, ${s.inlined} inlined, ${s.calls} calls; ${s.leakedHelpers} helpers exported`);
    if (r.kernel) console.log(`  kernel ${r.kernel.release}: ${r.kernel.checks.join(", ")}: ${r.kernel.violations.length ? r.kernel.violations.map((v) => v.message).join("; ") : "clean"}`);
  ' "$PWD/dist/drivers/$driver/inline-report.json"
done
ls -l dist/drivers/kuid-kmod/*.ko
