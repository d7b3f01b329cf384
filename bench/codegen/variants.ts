/**
 * The four builds of one benchmark, each ending in an executable:
 * - separate:  rustc --emit=obj, clang -c per helper file, ld -r (no LTO: every helper use is a call)
 * - local_lto: the driver object `nx build` wrote (the plugin's executors), linked with the C main
 * - full_lto:  whole-program cross-language LTO: rustc -Clinker-plugin-lto, clang -flto=thin
 *              for helpers and main, ld.lld as the final linker
 * - c_inline:  the C main alone with -DC_INLINE (the loop calls the static inline functions)
 * The Rust flags are those rust-bc uses (opt-level 2, one codegen unit, panic=abort, PIC).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib/proc';
import { Tools } from '../lib/toolchain';
import { Benchmark } from './benchmarks';

export const VARIANTS = ['separate', 'local_lto', 'full_lto', 'c_inline'] as const;
export type Variant = (typeof VARIANTS)[number];

/** Where a benchmark's project, main and outputs are in the scratch workspace. */
export interface BenchLayout {
  ws: string;
  project: string;
  crate: string;
  driverRoot: string;
  mainSource: string;
  includeDirs: string[];
  /** Helper C files: the driver's and those of the libraries it uses. */
  cSources: string[];
  outDir: string;
}

export function layout(ws: string, b: Benchmark): BenchLayout {
  const driverRoot = `drivers/bench-${b.name}`;
  const libManifests = b.libs.map((lib) => ({ lib, m: JSON.parse(readFileSync(join(ws, 'libs', lib, 'local-lto.json'), 'utf8')) as { sources?: string[]; includeDirs?: string[] } }));
  return {
    ws,
    project: `bench-${b.name}`,
    crate: `bench_${b.name}`,
    driverRoot,
    mainSource: `bench/${b.name}/main.c`,
    includeDirs: [
      ...b.manifest.includeDirs.map((d) => `${driverRoot}/${d}`),
      ...libManifests.flatMap(({ lib, m }) => (m.includeDirs ?? []).map((d) => `libs/${lib}/${d}`)),
    ],
    cSources: [
      ...b.manifest.sources.map((s) => `${driverRoot}/${s}`),
      ...libManifests.flatMap(({ lib, m }) => (m.sources ?? []).map((s) => `libs/${lib}/${s}`)),
    ],
    outDir: `out/${b.name}`,
  };
}

/** rustc flags shared by `separate` and `full_lto`: the ones rust-bc passes for the user profile. */
function rustFlags(l: BenchLayout): string[] {
  return ['--edition=2021', '--crate-type=lib', `--crate-name=${l.crate}`, '-Copt-level=2', '-Ccodegen-units=1', '-Cpanic=abort', '-Crelocation-model=pic'];
}

const objectOf = (dir: string, source: string) => join(dir, source.replace(/[/.]/g, '_') + '.o');

/** Builds one variant; returns the executable's path (relative to the workspace). */
export function buildVariant(tools: Tools, b: Benchmark, l: BenchLayout, variant: Variant): string {
  const dir = join(l.outDir, variant);
  mkdirSync(join(l.ws, dir), { recursive: true });
  const exe = join(dir, `bench-${b.name}`);
  const inc = l.includeDirs.map((d) => `-I${d}`);
  const libs = b.linkLibs.map((x) => `-l${x}`);
  const sh = (cmd: string, args: string[]) => run(cmd, args, { cwd: l.ws });
  switch (variant) {
    case 'separate': {
      const rustObj = join(dir, 'rust.o');
      sh(tools.rustc, [...rustFlags(l), '--emit=obj', '-o', rustObj, `${l.driverRoot}/src/lib.rs`]);
      const cObjs = l.cSources.map((s) => {
        const o = objectOf(dir, s);
        sh(tools.clang, ['-O2', '-fPIC', ...inc, '-c', s, '-o', o]);
        return o;
      });
      const driverObj = join(dir, 'driver.o');
      sh(tools.ld, ['-r', rustObj, ...cObjs, '-o', driverObj]);
      sh(tools.clang, ['-O2', ...inc, l.mainSource, driverObj, ...libs, '-o', exe]);
      break;
    }
    case 'local_lto': {
      const driverObj = `dist/${l.driverRoot}/${l.project}.o`;
      sh(tools.clang, ['-O2', ...inc, l.mainSource, driverObj, ...libs, '-o', exe]);
      break;
    }
    case 'full_lto': {
      const rustObj = join(dir, 'rust.o');
      sh(tools.rustc, [...rustFlags(l), '-Clinker-plugin-lto', '--emit=obj', '-o', rustObj, `${l.driverRoot}/src/lib.rs`]);
      const target = `--target=${tools.host}`;
      const cObjs = [...l.cSources, l.mainSource].map((s) => {
        const o = objectOf(dir, s);
        sh(tools.clang, [target, '-O2', '-flto=thin', '-fPIC', ...inc, '-c', s, '-o', o]);
        return o;
      });
      sh(tools.clang, [target, '-O2', '-flto=thin', `--ld-path=${tools.ldLld}`, rustObj, ...cObjs, ...libs, '-o', exe]);
      break;
    }
    case 'c_inline':
      sh(tools.clang, ['-O2', '-DC_INLINE', ...inc, l.mainSource, ...libs, '-o', exe]);
      break;
  }
  return exe;
}
