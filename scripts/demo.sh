#!/usr/bin/env bash
# The main job: build the sample drivers by local LTO, run their host programs, build the
# kernel modules with kbuild (histo-kmod with core/alloc inside) and load them in the tree's
# kernel under QEMU, and show each driver's inline report, object size and the kernel checks.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false
npx nx run-many -t build test -p kuid uring-nop bitset-user wordcount-std kuid-kmod histo-kmod --outputStyle=static
echo
for driver in kuid uring-nop bitset-user wordcount-std kuid-kmod histo-kmod; do
  node -e '
    const r = require(process.argv[1]);
    const s = r.summary;
    const z = r.size;
    const size = z ? `; ${z.text + z.rodata + z.data + z.bss} bytes (${z.crates.map((c) => `${c.crate} ${c.bytes}`).join(", ")}); undefined: ${z.undefined.join(" ") || "none"}` : "";
    console.log(`${r.object}: ${s.callSites} helper call sites, ${s.inlined} inlined, ${s.calls} calls; ${s.leakedHelpers} helpers exported${size}`);
    if (r.kernel) console.log(`  kernel ${r.kernel.release}: ${r.kernel.checks.join(", ")}: ${r.kernel.violations.length ? r.kernel.violations.map((v) => v.message).join("; ") : "clean"}`);
  ' "$PWD/dist/drivers/$driver/inline-report.json"
done
ls -l dist/drivers/kuid-kmod/*.ko dist/drivers/histo-kmod/*.ko
