/**
 * Runs one process synchronously and times it as a whole (wall clock, spawn to exit).
 * Argument arrays only, never a shell. A failure throws with the command and the end of
 * its output, so a broken benchmark stops the run instead of timing an error path.
 */
import { spawnSync } from 'node:child_process';

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
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.error) throw new Error(`bench: cannot run ${command}: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`bench: '${[command, ...args].join(' ')}' exited ${r.status ?? r.signal}${options.cwd ? ` (in ${options.cwd})` : ''}:\n${tail}`);
  }
  return { stdout: r.stdout, stderr: r.stderr, seconds };
}

/** First line of `<tool> <args>`, or 'not found'. */
export function versionLine(command: string, args: readonly string[] = ['--version']): string {
  const r = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) return 'not found';
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0];
}
