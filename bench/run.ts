/**
 * `npm run bench`: generated-code speed and build speed, measured side by side on this
 * machine, written to bench/results/latest.{json,md} and ratios.svg, the table printed.
 *
 *   node -r @swc-node/register bench/run.ts [--quick] [--out DIR] [--work DIR] [--runs N]
 *        [--budget SECONDS] [--build-sizes 1,10,100] [--graph-sizes 100,500]
 *   node -r @swc-node/register bench/run.ts --chart-only [--out DIR]
 *
 * --quick: tiny sizes and 2 rounds, results in --out (the test suite runs this; it checks
 * the JSON's shape, never timings). The full run keeps to --budget (default 780 s): a
 * build size that cannot get one round in the time left is skipped, and rounds are cut
 * short rather than overrun, each said in the results. The first round of a size always
 * completes, so the run can pass the budget by up to one round (780 s leaves room for that
 * within 15 minutes on a 2-core machine).
 * --chart-only: measures nothing; redraws <out>/ratios.svg from <out>/latest.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { runBuildSpeed } from './build-speed/run';
import { ensureDriverPool } from './build-speed/generate';
import { runCodegen } from './codegen/run';
import { runGraph } from './graph/run';
import { Budget, round4 } from './lib/stats';
import { findTools, machineFacts } from './lib/toolchain';
import { buildPlugin, repoRoot } from './lib/workspace';
import { ratioChartSvg, ratioPoints } from './report/chart';
import { resultsMarkdown, Results } from './report/markdown';

interface Args {
  quick: boolean;
  chartOnly: boolean;
  out: string;
  work: string;
  runs: number;
  budget: number;
  buildSizes: number[];
  graphSizes: number[];
}

function parseArgs(argv: string[]): Args {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    if (i >= 0) return argv[i + 1];
    const eq = argv.find((a) => a.startsWith(`--${name}=`));
    return eq?.slice(name.length + 3);
  };
  const sizes = (v: string | undefined, d: number[]) => (v ? v.split(',').map(Number) : d);
  const quick = argv.includes('--quick');
  const out = get('out') ?? join(repoRoot, 'bench', 'results');
  return {
    quick,
    chartOnly: argv.includes('--chart-only'),
    out,
    work: get('work') ?? join(quick ? out : join(repoRoot, 'bench', 'results'), 'work'),
    runs: Number(get('runs') ?? (quick ? 2 : 5)),
    budget: Number(get('budget') ?? (quick ? 3600 : 780)),
    buildSizes: sizes(get('build-sizes'), quick ? [1] : [1, 10, 100]),
    graphSizes: sizes(get('graph-sizes'), quick ? [3] : [100, 500]),
  };
}

/** Keeps the README's Benchmarks section (between the bench markers) equal to the latest table. */
function updateReadme(markdown: string): boolean {
  const file = join(repoRoot, 'README.md');
  const text = readFileSync(file, 'utf8');
  const begin = '<!-- bench:begin (written by npm run bench) -->';
  const end = '<!-- bench:end -->';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return false;
  const table = markdown.replace(/\]\(ratios\.svg\)/, '](bench/results/ratios.svg)');
  writeFileSync(file, `${text.slice(0, a + begin.length)}\n${table}${text.slice(b)}`);
  return true;
}

const chartOf = (r: Results) => ratioChartSvg(ratioPoints(r), `nx-local-lto benchmarks, ${r.date}`);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.chartOnly) {
    const results = JSON.parse(readFileSync(join(args.out, 'latest.json'), 'utf8')) as Results;
    writeFileSync(join(args.out, 'ratios.svg'), await chartOf(results));
    console.log(`wrote ${join(args.out, 'ratios.svg')} from latest.json (${results.date})`);
    return;
  }
  const started = Date.now();
  const budget = Budget.seconds(args.budget);
  const log = (line: string) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  mkdirSync(args.work, { recursive: true });
  log('building the compiled plugin the scratch workspaces install (npm run build:plugin)');
  buildPlugin();
  const tools = await findTools();
  const load = loadavg()[0];
  const notes = [
    `This machine has ${require('node:os').cpus().length} cores; its 1-minute load average was ${load.toFixed(1)} at the start (other processes running too): single timings are noisy, compare the ratios, which were measured side by side in the same rounds.`,
  ];
  if (args.quick) notes.push('Quick run (--quick): tiny sizes and few rounds, to keep the harness working; the figures say nothing about speed.');

  const pool = join(args.work, 'pool');
  await ensureDriverPool(pool, Math.max(...args.buildSizes, ...args.graphSizes), log);
  const codegen = await runCodegen(tools, { work: args.work, quick: args.quick, runs: args.runs, targetSeconds: 0.5, log });
  const graph = runGraph({ work: args.work, pool, sizes: args.graphSizes, runs: args.runs, budget, log });
  const build = runBuildSpeed(tools, { work: args.work, pool, sizes: args.buildSizes, runs: args.runs, budget, log });

  const cold = build.rows[build.rows.length - 1];
  if (cold) {
    notes.push(
      `Cold nx vs make at ${cold.drivers} driver(s): ${cold.nx_cold_s.toFixed(2)} s against ${cold.make_cold_s.toFixed(2)} s on the same compiler commands. The default targets are nx:run-commands (rustc and clang run by Nx itself, the link by bin/run-step.js without Nx); what nx adds per driver is Nx's orchestration and hashing, each C target's header key (one clang -M while no dependency file exists), and the link's checks and inline report (in the link server, or in a Node process of its own for the first links); Nx's floor for the same tasks as no-ops took ${cold.floor_cold_s.toFixed(2)} s uncached (each task run: make plus that is where any Nx build of three tasks per driver starts, ${(cold.make_cold_s + cold.floor_cold_s).toFixed(2)} s, nx took ${cold.nx_cold_over_floor_make.toFixed(2)}x that) and ${cold.nx_floor_s.toFixed(2)} s fully cached.`,
    );
  }
  if (build.rows.some((r) => r.runs_cold < args.runs || r.runs_cached < args.runs || r.runs_incremental < args.runs) || build.skipped.length) {
    notes.push(`To stay within the ${args.budget} s budget some build figures have fewer than ${args.runs} rounds or were skipped (see the rounds column); run with --budget and --build-sizes to measure more.`);
  }
  if (graph.rows.some((r) => r.runs < args.runs)) notes.push(`Some graph figures have fewer than ${args.runs} rounds (time budget).`);
  notes.push(`1-minute load average at the end: ${loadavg()[0].toFixed(1)}.`);

  const results: Results & { schemaVersion: number } = {
    schemaVersion: 1,
    date: new Date().toISOString().slice(0, 10),
    mode: args.quick ? 'quick' : 'full',
    duration_s: round4((Date.now() - started) / 1000),
    machine: { ...machineFacts(tools), loadavg_start: round4(load), loadavg_end: round4(loadavg()[0]) },
    notes,
    codegen,
    build,
    graph,
  };

  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'ratios.svg'), await chartOf(results));
  writeFileSync(join(args.out, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  const md = resultsMarkdown(results, 'ratios.svg');
  writeFileSync(join(args.out, 'latest.md'), md);
  console.log(`\n${md}`);
  if (!args.quick && relative(join(repoRoot, 'bench', 'results'), args.out) === '' && updateReadme(md)) log('README.md Benchmarks section updated');
  log(`wrote ${join(args.out, 'latest.json')}, latest.md, ratios.svg in ${results.duration_s} s`);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
