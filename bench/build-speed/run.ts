/**
 * Section 2: build speed for N generated drivers.
 * - cold: `nx run-many -t build` (the default path, no flag) with empty cache, graph records and
 *   dist/, against make -j<cores> on the generated Makefile (same compiler commands), side by side
 *   with Nx's uncached floor (the same task graph of no-ops, --skip-nx-cache);
 * - cached: the same nx command once everything is cached, against Nx's own floor: a
 *   workspace without the plugin whose projects have the same number of cached no-op tasks;
 * - incremental: one C helper edited (a new constant each round), then the same nx command;
 * - one driver: `nx build <first driver>` with its tasks run (--skip-nx-cache) in the N-driver
 *   workspace, against Nx's floor for its three tasks plus make's time for that driver alone.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { run } from '../lib/proc';
import { figure, Figure, median, ratio, round4, sideBySide } from '../lib/stats';
import { Tools } from '../lib/toolchain';
import { createWorkspace, nx, nxEnv, SizedRunOptions, taskCounts } from '../lib/workspace';
import { addDrivers } from './generate';
import { MAKE_OUT, writeMakefile } from './makefile';

export type BuildSpeedOptions = SizedRunOptions;

export type BuildSpeedRow = Record<string, number>;

const TARGETS_PER_DRIVER = ['rust-bc', 'clang-bc', 'build'];

/** A workspace without the plugin: `n` projects, each with the three targets as cached no-ops, build depending on the other two. */
function writeFloorWorkspace(dir: string, n: number): void {
  createWorkspace(dir);
  const nxJson = JSON.parse(readFileSync(join(dir, 'nx.json'), 'utf8'));
  nxJson.plugins = [];
  writeFileSync(join(dir, 'nx.json'), JSON.stringify(nxJson, null, 2) + '\n');
  for (let i = 0; i < n; i++) {
    const name = `noop${String(i).padStart(3, '0')}`;
    const root = `projects/${name}`;
    const noop = { executor: 'nx:run-commands', cache: true, inputs: ['{projectRoot}/project.json'], outputs: [], options: { command: 'true' } };
    const targets = Object.fromEntries(TARGETS_PER_DRIVER.map((t) => [t, t === 'build' ? { ...noop, dependsOn: ['rust-bc', 'clang-bc'] } : noop]));
    mkdirSync(join(dir, root), { recursive: true });
    writeFileSync(join(dir, root, 'project.json'), JSON.stringify({ name, root, targets }, null, 2) + '\n');
  }
}

const fig = (f: Figure, key: string) => ({ [`${key}_s`]: round4(f.median), [`${key}_min_s`]: round4(f.min), [`${key}_max_s`]: round4(f.max) });

export function runBuildSpeed(tools: Tools, o: BuildSpeedOptions): { runs: number; cores: number; rows: BuildSpeedRow[]; skipped: Array<{ drivers: number; reason: string }> } {
  const cores = cpus().length;
  // --batch: one process per executor and wave of ready tasks (the plugin's batch implementations).
  const build = ['run-many', '-t', 'build', `--parallel=${cores}`, '--outputStyle=static'];
  const rows: BuildSpeedRow[] = [];
  const skipped: Array<{ drivers: number; reason: string }> = [];
  let secondsPerDriver = 0;
  for (const n of o.sizes) {
    // One round of everything costs about 1.5 cold nx builds (both shapes); skip a size that cannot get one.
    const projected = secondsPerDriver * n * 1.5;
    if (!o.budget.fits(projected)) {
      const reason = `one round would take about ${Math.round(projected)} s (cold nx ${secondsPerDriver.toFixed(1)} s per driver measured at the previous size), ${Math.round(o.budget.left())} s of the time budget were left`;
      o.log(`build: skipping ${n} drivers: ${reason}`);
      skipped.push({ drivers: n, reason });
      continue;
    }
    const ws = join(o.work, `build-${n}`);
    createWorkspace(ws);
    const drivers = addDrivers(o.pool, ws, n);
    const makefile = writeMakefile(ws, tools, drivers);
    // The same drivers with executor targets (plugin option inferredTargets), built with --batch: the old fast path, side by side.
    const wsBatch = join(o.work, `build-${n}-executors`);
    createWorkspace(wsBatch);
    addDrivers(o.pool, wsBatch, n);
    const batchNxJson = JSON.parse(readFileSync(join(wsBatch, 'nx.json'), 'utf8'));
    batchNxJson.plugins = [{ plugin: 'nx-local-lto', options: { inferredTargets: 'executors' } }];
    writeFileSync(join(wsBatch, 'nx.json'), JSON.stringify(batchNxJson, null, 2) + '\n');
    let batchRound = 0;
    // Nx's floor: the same graph, every task a no-op (a cached run's floor; cold, each task run).
    const floor = join(o.work, `floor-${n}`);
    writeFloorWorkspace(floor, n);
    let floorRound = 0;

    o.log(`build: ${n} driver(s): cold nx run-many vs make -j${cores}, ${o.runs} rounds`);
    let coldRound = 0;
    let lastState = '';
    let tasks = 0;
    const cold = sideBySide(
      {
        nx: () => {
          rmSync(join(ws, 'dist'), { recursive: true, force: true });
          lastState = join(ws, '.bench', `nx-cold-${coldRound++}`);
          const r = nx(ws, build, nxEnv(lastState));
          const counts = taskCounts(r.stdout + r.stderr);
          if (counts.cached) throw new Error(`bench: a cold nx run restored ${counts.cached} task(s) from cache`);
          tasks = counts.total;
          return r.seconds;
        },
        make: () => {
          rmSync(join(ws, MAKE_OUT), { recursive: true, force: true });
          return run(tools.make, [`-j${cores}`, '-f', makefile], { cwd: ws }).seconds;
        },
        // What Nx itself costs for the same graph, nothing cached and nothing compiled: make plus
        // this is where any Nx build of three tasks per driver starts.
        floor_cold: () => nx(floor, [...build, '--skip-nx-cache'], nxEnv(join(floor, '.bench', `nx-cold-${floorRound++}`))).seconds,
        nx_batch: () => {
          rmSync(join(wsBatch, 'dist'), { recursive: true, force: true });
          const r = nx(wsBatch, [...build, '--batch'], nxEnv(join(wsBatch, '.bench', `nx-cold-${batchRound++}`)));
          if (taskCounts(r.stdout + r.stderr).cached) throw new Error('bench: a cold nx --batch run restored tasks from cache');
          return r.seconds;
        },
      },
      o.runs,
      o.budget,
    );
    secondsPerDriver = (cold.nx.median + cold.nx_batch.median) / n;

    o.log(`build: ${n} driver(s): fully cached nx run vs Nx floor (${tasks} no-op cached tasks)`);
    const floorEnv = nxEnv(join(floor, '.bench', 'nx'));
    const primed = taskCounts(nx(floor, build, floorEnv).stdout);
    const env = nxEnv(lastState);
    let floorTasks = 0;
    const cached = sideBySide(
      {
        nx_cached: () => {
          const r = nx(ws, build, env);
          const c = taskCounts(r.stdout);
          if (c.ran) throw new Error(`bench: the fully cached run still ran ${c.ran} task(s)`);
          return r.seconds;
        },
        nx_floor: () => {
          const r = nx(floor, build, floorEnv);
          floorTasks = taskCounts(r.stdout).total;
          return r.seconds;
        },
      },
      o.runs,
      o.budget,
    );
    if (primed.total !== tasks || floorTasks !== tasks) o.log(`build: note: floor has ${floorTasks} tasks, the drivers ${tasks}`);

    o.log(`build: ${n} driver(s): incremental (one C helper edited), ${o.runs} rounds`);
    const helper = join(ws, 'drivers', drivers[0], 'helpers', `${drivers[0]}_helpers.c`);
    const original = readFileSync(helper, 'utf8');
    const incremental: number[] = [];
    const ran: number[] = [];
    try {
      for (let round = 0; round < o.runs; round++) {
        if (round > 0 && !o.budget.fits(Math.max(...incremental))) break;
        const edited = original.replace(/return (\w+_inline\(v\));/, `return $1 ^ ${round + 1}u;`);
        if (edited === original) throw new Error(`bench: found no helper body to edit in ${helper}`);
        writeFileSync(helper, edited);
        const r = nx(ws, build, env);
        ran.push(taskCounts(r.stdout).ran);
        incremental.push(r.seconds);
      }
    } finally {
      writeFileSync(helper, original);
    }

    o.log(`build: ${n} driver(s): nx build of one driver vs Nx floor for one driver's tasks + make of that driver, ${o.runs} rounds`);
    const one = sideBySide(
      {
        nx_one: () => nx(ws, ['build', drivers[0], '--skip-nx-cache', '--outputStyle=static'], env).seconds,
        floor_one: () => nx(floor, ['run', 'noop000:build', '--skip-nx-cache', '--outputStyle=static'], floorEnv).seconds,
        make_one: () => {
          rmSync(join(ws, MAKE_OUT, 'drivers', drivers[0]), { recursive: true, force: true });
          return run(tools.make, ['-f', makefile, `${MAKE_OUT}/drivers/${drivers[0]}/${drivers[0]}.o`], { cwd: ws }).seconds;
        },
      },
      o.runs,
      o.budget,
    );

    rows.push({
      drivers: n,
      tasks,
      runs_cold: cold.nx.samples.length,
      runs_cached: cached.nx_cached.samples.length,
      runs_incremental: incremental.length,
      ...fig(cold.nx, 'nx_cold'),
      ...fig(cold.make, 'make_cold'),
      ...fig(cold.nx_batch, 'nx_batch_cold'),
      nx_batch_cold_over_make: round4(ratio(cold.nx_batch, cold.make).median),
      nx_cold_over_make: round4(ratio(cold.nx, cold.make).median),
      nx_cold_over_make_min: round4(ratio(cold.nx, cold.make).min),
      nx_cold_over_make_max: round4(ratio(cold.nx, cold.make).max),
      ...fig(cold.floor_cold, 'floor_cold'),
      // nx against Nx's uncached floor plus make (medians of the same rounds).
      nx_cold_over_floor_make: round4(cold.nx.median / (cold.floor_cold.median + cold.make.median)),
      ...fig(cached.nx_cached, 'nx_cached'),
      ...fig(cached.nx_floor, 'nx_floor'),
      floor_tasks: floorTasks,
      nx_cached_over_floor: round4(ratio(cached.nx_cached, cached.nx_floor).median),
      nx_cached_over_floor_min: round4(ratio(cached.nx_cached, cached.nx_floor).min),
      nx_cached_over_floor_max: round4(ratio(cached.nx_cached, cached.nx_floor).max),
      incremental_tasks: Math.round(median(ran)),
      ...fig(figure(incremental), 'incremental'),
      runs_one: one.nx_one.samples.length,
      ...fig(one.nx_one, 'one_nx'),
      ...fig(one.floor_one, 'one_floor'),
      ...fig(one.make_one, 'one_make'),
      // The goal: nx's time for one driver within 0.5 s of Nx's floor for its tasks plus make's time.
      one_extra_s: round4(one.nx_one.median - one.floor_one.median - one.make_one.median),
    });
  }
  return { runs: o.runs, cores, rows, skipped };
}
