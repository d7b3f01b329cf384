/**
 * Runs one process synchronously and times it as a whole (wall clock, spawn to exit).
 * Argument arrays only, never a shell. A failure throws with the command and the end of
 * its output, so a broken benchmark stops the run instead of timing an error path.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  seconds: number;
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): RunResult {
  // Output goes to files, not pipes: Node writes to a pipe asynchronously, and a Node program
  // that ends with process.exit() (nx does) can lose the end of its output, its task summary.
  const dir = mkdtempSync(join(tmpdir(), 'local-lto-bench-run-'));
  const [out, err] = [join(dir, 'stdout'), join(dir, 'stderr')];
  const fds = [openSync(out, 'w'), openSync(err, 'w')];
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', fds[0], fds[1]] });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  fds.forEach((fd) => closeSync(fd));
  const [stdout, stderr] = [readFileSync(out, 'utf8'), readFileSync(err, 'utf8')];
  rmSync(dir, { recursive: true, force: true });
  if (r.error) throw new Error(`bench: cannot run ${command}: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`bench: '${[command, ...args].join(' ')}' exited ${r.status ?? r.signal}${options.cwd ? ` (in ${options.cwd})` : ''}:\n${tail}`);
  }
  return { stdout, stderr, seconds };
}

/** First line of `<tool> <args>`, or 'not found'. */
export function versionLine(command: string, args: readonly string[] = ['--version']): string {
  const r = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) return 'not found';
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0];
}
