/**
 * Section 1: generated-code speed. Writes the benchmark drivers into a scratch workspace,
 * builds them with the plugin (`nx run-many -t build`, the real executors), builds the
 * other three variants, checks all four print the same result, then times whole processes
 * of the four side by side.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from '../lib/proc';
import { Figure, ratio, round4, sideBySide } from '../lib/stats';
import { Tools } from '../lib/toolchain';
import { copyProject, createWorkspace, nx, nxEnv } from '../lib/workspace';
import { Benchmark, BENCHMARKS } from './benchmarks';
import { BenchLayout, buildVariant, layout, Variant, VARIANTS } from './variants';

export interface CodegenOptions {
  work: string;
  quick: boolean;
  runs: number;
  /** Target seconds of the slowest variant's run (full mode). */
  targetSeconds: number;
  log: (line: string) => void;
}

interface InlineSummary {
  helpers: number;
  callSites: number;
  inlined: number;
  calls: number;
  requiredCalls: number;
}

interface InlineReport {
  summary: InlineSummary;
  helpers: Array<{ symbol: string; callSites: Array<{ caller: string; verdict: string; remark?: { name?: string; message?: string } }> }>;
}

export type CodegenRow = Record<string, number | string | boolean | InlineSummary>;

function writeBenchProject(ws: string, b: Benchmark): void {
  const root = join(ws, 'drivers', `bench-${b.name}`);
  const files: Record<string, string> = {
    ...b.files,
    'local-lto.json': JSON.stringify({ kind: 'driver', name: `bench-${b.name}`, crateRoot: 'src/lib.rs', ...b.manifest }, null, 2) + '\n',
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  mkdirSync(join(ws, 'bench', b.name), { recursive: true });
  writeFileSync(join(ws, 'bench', b.name, 'main.c'), b.main);
}

function timeRun(ws: string, exe: string, iterations: number): number {
  return run(join(ws, exe), [String(iterations)], { cwd: ws }).seconds;
}

/** Iterations such that the slowest variant runs about `target` seconds. */
function calibrate(ws: string, exes: Record<Variant, string>, start: number, target: number): number {
  let n = start;
  for (let attempt = 0; attempt < 8; attempt++) {
    const slowest = Math.max(...VARIANTS.map((v) => timeRun(ws, exes[v], n)));
    if (slowest >= 0.08) return Math.max(1, Math.round((n * target) / slowest));
    n *= 10;
  }
  return n;
}

/** Why local LTO is slower than full LTO for this benchmark, from its inline report and the executables. */
function explainGap(report: InlineReport, b: Benchmark, l: BenchLayout, exes: Record<Variant, string>, local: Figure, full: Figure, r: { min: number }): string {
  const s = report.summary;
  const parts: string[] = [];
  if (s.calls > 0) {
    const calls = report.helpers.flatMap((h) =>
      h.callSites.filter((c) => c.verdict === 'call').map((c) => `${h.symbol} in ${c.caller}${c.remark?.message ? ` (${c.remark.message})` : ''}`),
    );
    parts.push(`inline report: ${s.calls} of ${s.callSites} helper call sites stayed calls: ${calls.join('; ')}`);
  } else {
    parts.push(`inline report: all ${s.callSites} helper call sites inlined, none left as calls, so the gap is not missing helper inlining`);
  }
  // Does the C main call the Rust entry, or did whole-program LTO inline it there?
  const mainCalls = (v: Variant) =>
    new RegExp(`\\bcall\\S*\\s+\\S+ <${b.entry}>`).test(run('objdump', ['-d', '--no-show-raw-insn', '--disassemble=main', join(l.ws, exes[v])]).stdout);
  if (mainCalls('local_lto') && !mainCalls('full_lto')) {
    parts.push(
      `full LTO inlined the Rust entry ${b.entry} into the C main (objdump: local_lto's main calls it, full_lto's does not), so its loop was optimized in main's context; a driver object keeps ${b.entry} as its exported interface, called from outside`,
    );
  }
  if (r.min <= 1) parts.push(`in at least one round local_lto was as fast as full_lto (per-round ratio min ${r.min.toFixed(3)}), so part of the gap is machine noise`);
  parts.push(`medians ${local.median.toFixed(3)} s vs ${full.median.toFixed(3)} s`);
  return parts.join('; ');
}

export async function runCodegen(tools: Tools, o: CodegenOptions): Promise<{ runs: number; benchmarks: CodegenRow[]; nx_build_s: number }> {
  const ws = join(o.work, 'codegen');
  createWorkspace(ws);
  for (const lib of [...new Set(BENCHMARKS.flatMap((b) => b.libs))]) copyProject(ws, `libs/${lib}`);
  for (const b of BENCHMARKS) writeBenchProject(ws, b);

  o.log(`codegen: nx run-many -t build (the plugin's executors) for ${BENCHMARKS.length} benchmark drivers`);
  const env = nxEnv(join(ws, '.bench', 'nx'));
  const built = nx(ws, ['run-many', '-t', 'build', '--skip-nx-cache', `--parallel=${cpus().length}`, '--outputStyle=static'], env);

  const rows: CodegenRow[] = [];
  for (const b of BENCHMARKS) {
    const l = layout(ws, b);
    const report = JSON.parse(readFileSync(join(ws, 'dist', l.driverRoot, 'inline-report.json'), 'utf8')) as InlineReport;
    const exes = Object.fromEntries(VARIANTS.map((v) => [v, buildVariant(tools, b, l, v)])) as Record<Variant, string>;
    // Same result from every build, or the comparison is meaningless.
    const outputs = VARIANTS.map((v) => run(join(ws, exes[v]), [String(b.quickIterations)], { cwd: ws }).stdout.trim());
    if (new Set(outputs).size !== 1) throw new Error(`bench: ${b.name}: the variants disagree: ${VARIANTS.map((v, i) => `${v}=${outputs[i]}`).join(', ')}`);
    const iterations = o.quick ? b.quickIterations : calibrate(ws, exes, b.quickIterations, o.targetSeconds);
    o.log(`codegen: ${b.name}: ${iterations} iterations x ${o.runs} rounds of ${VARIANTS.join(', ')}`);
    const f = sideBySide(Object.fromEntries(VARIANTS.map((v) => [v, () => timeRun(ws, exes[v], iterations)])) as Record<Variant, () => number>, o.runs);
    const sepOverLocal = ratio(f.separate, f.local_lto);
    const localOverFull = ratio(f.local_lto, f.full_lto);
    const localOverC = ratio(f.local_lto, f.c_inline);
    const row: CodegenRow = { name: b.name, description: b.description, unit: b.unit, iterations };
    for (const v of VARIANTS) {
      row[`${v}_s`] = round4(f[v].median);
      row[`${v}_min_s`] = round4(f[v].min);
      row[`${v}_max_s`] = round4(f[v].max);
    }
    Object.assign(row, {
      separate_over_local: round4(sepOverLocal.median),
      separate_over_local_min: round4(sepOverLocal.min),
      separate_over_local_max: round4(sepOverLocal.max),
      local_over_full: round4(localOverFull.median),
      local_over_full_min: round4(localOverFull.min),
      local_over_full_max: round4(localOverFull.max),
      local_over_c_inline: round4(localOverC.median),
      inline_report: {
        helpers: report.summary.helpers,
        callSites: report.summary.callSites,
        inlined: report.summary.inlined,
        calls: report.summary.calls,
        requiredCalls: report.summary.requiredCalls,
      },
      local_over_full_reason:
        localOverFull.median > 1.02 ? explainGap(report, b, l, exes, f.local_lto, f.full_lto, localOverFull) : 'within 2% of full LTO',
    });
    rows.push(row);
  }
  return { runs: o.runs, benchmarks: rows, nx_build_s: round4(built.seconds) };
}
