import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

/** The repository this test suite belongs to. */
export const repoRoot = join(__dirname, '..', '..');

/**
 * A copy of this workspace's files (tracked and untracked-not-ignored, as git lists them)
 * in a fresh temp folder, with node_modules linked, so tests build without touching the
 * checkout. Returns the copy's root.
 */
export async function copyWorkspace(prefix = 'local-lto-e2e-'): Promise<string> {
  const dest = mkdtempSync(join(tmpdir(), prefix));
  const { stdout } = await execa('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: repoRoot });
  for (const file of stdout.split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    copyFileSync(join(repoRoot, file), join(dest, file));
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(dest, 'node_modules'));
  return dest;
}

/**
 * Environment for a real `nx` run isolated from other runs: no daemon, own cache folders,
 * and no colors (under CI=true Nx colors its output, which breaks matching it).
 */
export function isolatedNxEnv(extra: Record<string, string> = {}): Record<string, string> {
  const base = mkdtempSync(join(tmpdir(), 'local-lto-nxcache-'));
  return {
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    FORCE_COLOR: '0',
    NX_CACHE_DIRECTORY: join(base, 'cache'),
    NX_WORKSPACE_DATA_DIRECTORY: join(base, 'workspace-data'),
    ...extra,
  };
}

/** How an `nx` run ended: its exit code and its stdout and stderr as interleaved. */
export interface NxRun {
  exitCode: number;
  all: string;
}

/**
 * Runs the workspace's own nx with `args` in `cwd`; never throws, the result says how it went.
 * Output goes to a file, not a pipe: through a pipe nx sometimes lost the end of its output
 * (its task summary; 1 run in 6 of 300 cached tasks, seen in the bench).
 */
export async function nx(cwd: string, args: string[], env: Record<string, string>): Promise<NxRun> {
  const dir = mkdtempSync(join(tmpdir(), 'local-lto-nx-output-'));
  const file = join(dir, 'output');
  try {
    // Both streams appended to one file keep their interleaving.
    const output = { file, append: true } as const;
    const r = await execa(join(cwd, 'node_modules', '.bin', 'nx'), args, { cwd, env, reject: false, stdin: 'ignore', stdout: output, stderr: output });
    return { exitCode: r.exitCode ?? 1, all: existsSync(file) ? readFileSync(file, 'utf8') : '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** sha256 of every file below `dir`, by path relative to it. */
export function digests(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/**
 * Sets the plugin option `inferredTargets` in the workspace's nx.json: 'executors' for the suites
 * that check what the executors do when Nx runs them (their own validation, messages, batch
 * mode); the default, 'commands', runs the same steps as nx:run-commands targets.
 */
export function useInferredTargets(ws: string, shape: 'commands' | 'executors'): void {
  const file = join(ws, 'nx.json');
  const nxJson = JSON.parse(readFileSync(file, 'utf8')) as { plugins: Array<string | { plugin: string; options?: object }> };
  nxJson.plugins = nxJson.plugins.map((p) => ((typeof p === 'string' ? p : p.plugin) === 'nx-local-lto' ? { plugin: 'nx-local-lto', options: { inferredTargets: shape } } : p));
  writeFileSync(file, `${JSON.stringify(nxJson, null, 2)}\n`);
}

/** kuid's helper file in `ws`: the line a C error appended by `withBrokenKuidHelper` is on. */
export const KUID_HELPER = 'drivers/kuid/helpers/kuid_helpers.c';

/**
 * Runs `check` while kuid's helper file in `ws` ends in a C error (`undeclared_name`, column 27
 * of the line it gets) and dist/drivers/kuid is gone; the file is restored after. Returns the
 * file's original text.
 */
export async function withBrokenKuidHelper(ws: string, check: (line: number) => Promise<void>): Promise<string> {
  const helper = join(ws, KUID_HELPER);
  const good = readFileSync(helper, 'utf8');
  writeFileSync(helper, `${good.replace(/\n?$/, '\n')}int broken(void) { return undeclared_name; }\n`);
  rmSync(join(ws, 'dist/drivers/kuid'), { recursive: true, force: true });
  try {
    await check(good.split('\n').length);
  } finally {
    writeFileSync(helper, good);
  }
  return good;
}

/**
 * The executor options a target runs with, in either shape: an executor target's `options`, or
 * those a command target's link passes to bin/run-step.js (the JSON at the end of its command).
 */
export function stepOptions(target: { executor?: string; options?: Record<string, unknown> }): Record<string, unknown> {
  const command = target.options?.command;
  if (target.executor !== 'nx:run-commands' || typeof command !== 'string') return target.options ?? {};
  const json = /'(\{[^']*\})'$/.exec(command);
  if (!json) throw new Error(`no options JSON at the end of: ${command}`);
  return JSON.parse(json[1]) as Record<string, unknown>;
}

/**
 * Adds `drivers/sc-user` to `ws`: a rustc-route driver made self-contained by its manifest (no
 * Cargo.toml), `#![no_std]` with `alloc` and the plugin's runtime crate, then `body` (its
 * `#[no_mangle]` functions).
 */
export function writeSelfContainedDriver(ws: string, body: string[]): void {
  mkdirSync(join(ws, 'drivers/sc-user/src'), { recursive: true });
  writeFileSync(join(ws, 'drivers/sc-user/local-lto.json'), JSON.stringify({ kind: 'driver', selfContained: true }));
  writeFileSync(join(ws, 'drivers/sc-user/src/lib.rs'), ['#![no_std]', 'extern crate alloc;', 'extern crate local_lto_rt;', ...body].join('\n'));
}
