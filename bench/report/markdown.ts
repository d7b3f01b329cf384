/** The results as Markdown: the tables the README shows, and why local LTO trails full LTO where it does. */
type Row = Record<string, unknown>;

const n = (x: unknown, digits = 3) => (typeof x === 'number' ? x.toFixed(digits) : String(x));
const range = (r: Row, key: string, digits = 3) => `${n(r[`${key}_s`], digits)} (${n(r[`${key}_min_s`], digits)}–${n(r[`${key}_max_s`], digits)})`;
const ratio = (r: Row, key: string) => `**${n(r[key], 2)}** (${n(r[`${key}_min`], 2)}–${n(r[`${key}_max`], 2)})`;

export interface Results {
  date: string;
  mode: string;
  duration_s: number;
  machine: Row;
  notes: string[];
  codegen: { runs: number; benchmarks: Row[] };
  build: { runs: number; cores: number; rows: Row[]; skipped: Array<{ drivers: number; reason: string }> };
  graph: { runs: number; rows: Row[] };
}

export function resultsMarkdown(r: Results, chartFile: string): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(
    `Measured ${r.date} (${r.mode} run, ${Math.round(r.duration_s)} s) on ${m.cpu_model}, ${m.cores} cores, ${m.os}; ${m.rustc} (LLVM ${m.rustc_llvm}), ${m.clang}, Nx ${m.nx}, Node ${m.node}.`,
    'Seconds are whole-process wall-clock times: median (min–max) of the rounds; ratios are of the medians (per-round min–max).',
    '',
    `![ratios](${chartFile})`,
    '',
    `**Generated code** (${r.codegen.runs} rounds, the four builds alternated within each round)`,
    '',
    '| benchmark | one iteration | iterations | separate s | local_lto s | full_lto s | c_inline s | separate / local | local / full | helper call sites inlined |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const b of r.codegen.benchmarks) {
    const rep = b.inline_report as { callSites: number; inlined: number };
    out.push(
      `| ${b.name} | ${b.unit} | ${b.iterations} | ${range(b, 'separate')} | ${range(b, 'local_lto')} | ${range(b, 'full_lto')} | ${range(b, 'c_inline')} | ${ratio(b, 'separate_over_local')} | ${ratio(b, 'local_over_full')} | ${rep.inlined} of ${rep.callSites} |`,
    );
  }
  const slower = r.codegen.benchmarks.filter((b) => (b.local_over_full as number) > 1.02);
  if (slower.length) {
    out.push('', 'Where local_lto is more than 2% slower than full_lto:', '');
    for (const b of slower) out.push(`- **${b.name}** (${n(b.local_over_full, 2)}): ${b.local_over_full_reason}.`);
  }
  out.push(
    '',
    `**Build speed** (the default path: \`nx run-many -t build --parallel=${r.build.cores}\`, no flag, vs \`make -j${r.build.cores}\` on the same commands; rounds per row in the last column)`,
    '',
    '| drivers | tasks | nx cold s | make cold s | nx / make | Nx floor uncached s | nx / (floor uncached + make) | executors --batch cold s (/ make) | nx cached s | nx floor s | cached / floor | incremental tasks | incremental s | rounds (cold, cached, incr.) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  for (const b of r.build.rows) {
    out.push(
      `| ${b.drivers} | ${b.tasks} | ${range(b, 'nx_cold', 2)} | ${range(b, 'make_cold', 2)} | ${ratio(b, 'nx_cold_over_make')} | ${range(b, 'floor_cold', 2)} | **${n(b.nx_cold_over_floor_make, 2)}** | ${range(b, 'nx_batch_cold', 2)} (${n(b.nx_batch_cold_over_make, 2)}) | ${range(b, 'nx_cached', 2)} | ${range(b, 'nx_floor', 2)} | ${ratio(b, 'nx_cached_over_floor')} | ${b.incremental_tasks} | ${range(b, 'incremental', 2)} | ${b.runs_cold}, ${b.runs_cached}, ${b.runs_incremental} |`,
    );
  }
  for (const s of r.build.skipped) out.push(`| ${s.drivers} | skipped: ${s.reason} ||||||||||||| `);
  out.push(
    '',
    `**One driver** (\`nx build <driver>\` with its three tasks run, in the N-driver workspace, against Nx's floor for three no-op tasks plus make's time for that driver; goal: extra <= 0.5 s)`,
    '',
    '| drivers | nx s | Nx floor s | make s | extra s (nx - floor - make) | rounds |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const b of r.build.rows) {
    out.push(`| ${b.drivers} | ${range(b, 'one_nx', 2)} | ${range(b, 'one_floor', 2)} | ${range(b, 'one_make', 2)} | **${n(b.one_extra_s, 2)}** | ${b.runs_one} |`);
  }
  out.push('', '**Project graph** (`nx graph --file`, empty graph records each run)', '', '| drivers | projects | graph s | rounds |', '| ---: | ---: | ---: | ---: |');
  for (const g of r.graph.rows) out.push(`| ${g.drivers} | ${g.projects} | ${range(g, 'graph', 2)} | ${g.runs} |`);
  if (r.notes.length) out.push('', 'Notes:', '', ...r.notes.map((x) => `- ${x}`));
  return out.join('\n') + '\n';
}
