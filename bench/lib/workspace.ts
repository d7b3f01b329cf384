/**
 * Scratch Nx workspaces for the benchmarks, under the work folder (gitignored): the
 * repository's nx.json and tsconfig.base.json, its node_modules linked package by package
 * except nx-local-lto, which is this checkout's compiled, publishable build
 * (dist/packages/nx-local-lto from `npm run build:plugin`): what a workspace that installs
 * the plugin runs. Per-run Nx cache folders.
 */
import type { Budget } from './stats';
import { copyFileSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, RunResult } from './proc';

export const repoRoot = join(__dirname, '..', '..');

/** Creates an empty workspace at `dir` (removing what was there) that loads the plugin. */
export function createWorkspace(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'local-lto-bench', private: true }, null, 2) + '\n');
  copyFileSync(join(repoRoot, 'nx.json'), join(dir, 'nx.json'));
  copyFileSync(join(repoRoot, 'tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
  writeFileSync(join(dir, '.gitignore'), 'node_modules\ndist\nmake-out\n.nx\n.bench\n');
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(join(repoRoot, 'node_modules'))) {
    const target = entry === 'nx-local-lto' ? compiledPlugin : join(repoRoot, 'node_modules', entry);
    symlinkSync(target, join(dir, 'node_modules', entry));
  }
}

/** The compiled plugin the scratch workspaces use. */
const compiledPlugin = join(repoRoot, 'dist', 'packages', 'nx-local-lto');

/** Builds the compiled plugin from this checkout (`npm run build:plugin`, a few seconds). */
export function buildPlugin(): void {
  run(process.execPath, [join(repoRoot, 'scripts', 'build-plugin.js')], { cwd: repoRoot });
}

/** Copies a project folder of this repository (e.g. libs/kernel-helpers) into `dir`. */
export function copyProject(dir: string, project: string): void {
  mkdirSync(join(dir, project, '..'), { recursive: true });
  run('cp', ['-r', join(repoRoot, project), join(dir, project)]);
}

/** Nx settings of one measured state: no daemon, no cloud, cache and graph records in `stateDir`. */
export function nxEnv(stateDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    NX_CACHE_DIRECTORY: join(stateDir, 'cache'),
    NX_WORKSPACE_DATA_DIRECTORY: join(stateDir, 'workspace-data'),
  };
}

/** The workspace's own nx with `args`, timed as a whole process. */
export function nx(dir: string, args: readonly string[], env: NodeJS.ProcessEnv): RunResult {
  return run(join(dir, 'node_modules', '.bin', 'nx'), args, { cwd: dir, env });
}

/**
 * Tasks Nx ran and tasks it restored from cache, from its closing summary
 * ("Successfully ran target build for 3 projects and 6 tasks they depend on" or
 * "... for project drv000 and 2 tasks it depends on",
 * "Nx read the output from the cache instead of running the command for 8 out of 9 tasks.").
 */
export function taskCounts(output: string): { total: number; cached: number; ran: number } {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const main = /Successfully ran targets? .*? for (?:(\d+) projects|project \S+)(?: and (\d+) tasks? (?:they|it) depends? on)?/.exec(plain);
  if (!main) throw new Error(`bench: no task summary in nx output:\n${plain.split('\n').slice(-15).join('\n')}`);
  const total = (main[1] ? Number(main[1]) : 1) + Number(main[2] ?? 0);
  const fromCache = /cache instead of running the command for (\d+) out of (\d+) tasks?/.exec(plain);
  const cached = fromCache ? Number(fromCache[1]) : 0;
  return { total, cached, ran: total - cached };
}

/** Options of a section that measures generated driver workspaces (build speed, graph). */
export interface SizedRunOptions {
  /** Scratch folder for the section's workspaces. */
  work: string;
  /** Folder of generated drivers reused across sizes. */
  pool: string;
  /** Driver counts to measure. */
  sizes: number[];
  runs: number;
  /** Sizes or rounds that would overrun it are skipped or cut short, and say so. */
  budget: Budget;
  log: (line: string) => void;
}
