import { AsyncLocalStorage } from 'node:async_hooks';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';

/**
 * Running a tool on the build's hot path with Node's own child_process, argument arrays only
 * (never a shell). Not execa: loading execa 9 costs about 0.09 s of CPU per process, paid by
 * every link the command targets run through bin/run-step.js (measured); the tests and the
 * slower paths (QEMU, doctor) keep execa.
 */
export interface SpawnResult {
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as written, with `all`. */
  all: string;
  exitCode?: number;
  signal?: NodeJS.Signals;
  /** Why it did not run (`ENOENT`: no such program). */
  code?: string;
  /** Did not run, was killed, or exited non-zero. */
  failed: boolean;
}

export interface SpawnOptions {
  cwd?: string;
  /** The whole environment of the tool (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Text for the tool's stdin (default: none, stdin closed). */
  input?: string;
}

/** Tools running now: a signal that ends this process ends them too (as execa's cleanup did). */
const live = new Set<ChildProcess>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function onSignal(signal: NodeJS.Signals): void {
  for (const child of live) child.kill(signal);
  // The last listener dies of the signal as Node would have (staged-outputs may have its own, which does the same).
  if (process.listenerCount(signal) === 1) {
    SIGNALS.forEach((s) => process.off(s, onSignal));
    process.kill(process.pid, signal);
  }
}

/** The tools one request of the link server started, to end them when its client is gone. */
interface ToolScope {
  children: Set<ChildProcess>;
  aborted: boolean;
}
const scopes = new AsyncLocalStorage<ToolScope>();

function track(child: ChildProcess): void {
  if (live.size === 0) SIGNALS.forEach((s) => process.on(s, onSignal));
  live.add(child);
  const scope = scopes.getStore();
  if (scope?.aborted) child.kill('SIGTERM');
  scope?.children.add(child);
  child.on('close', () => {
    live.delete(child);
    scope?.children.delete(child);
    if (live.size === 0) SIGNALS.forEach((s) => process.off(s, onSignal));
  });
}

/**
 * Runs `fn`; `abort` ends the tools it started and starts (SIGTERM), so the step fails as
 * if they had been interrupted and removes its staged outputs.
 */
export function abortable<T>(fn: () => Promise<T>): { result: Promise<T>; abort: () => void } {
  const scope: ToolScope = { children: new Set(), aborted: false };
  return {
    result: scopes.run(scope, fn),
    abort: () => {
      scope.aborted = true;
      for (const child of scope.children) child.kill('SIGTERM');
    },
  };
}

/** Runs `file args`, collecting its output; never throws for a tool that fails (see `failed`). */
export function spawnTool(file: string, args: readonly string[], options: SpawnOptions = {}): Promise<SpawnResult> {
  return new Promise((resolve) => {
    const out: string[] = [];
    const err: string[] = [];
    const all: string[] = [];
    let code: string | undefined;
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    track(child);
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out.push(c), all.push(c)));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (err.push(c), all.push(c)));
    child.on('error', (e: NodeJS.ErrnoException) => (code = e.code ?? e.message));
    if (options.input !== undefined) child.stdin!.end(options.input);
    child.on('close', (exitCode, signal) => {
      resolve({
        stdout: out.join(''),
        stderr: err.join(''),
        all: all.join(''),
        ...(exitCode !== null ? { exitCode } : {}),
        ...(signal ? { signal } : {}),
        ...(code ? { code } : {}),
        failed: code !== undefined || signal !== null || exitCode !== 0,
      });
    });
  });
}

/** spawnTool, waiting for the tool (for answers needed at once, such as a feature query). */
export function spawnToolSync(file: string, args: readonly string[], options: SpawnOptions = {}): SpawnResult {
  const r = spawnSync(file, args, { cwd: options.cwd, env: options.env ?? process.env, input: options.input, encoding: 'utf8', stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
  return {
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    all: `${r.stdout ?? ''}${r.stderr ?? ''}`,
    ...(r.status !== null ? { exitCode: r.status } : {}),
    ...(r.signal ? { signal: r.signal } : {}),
    ...(code ? { code } : {}),
    failed: r.error !== undefined || r.signal !== null || r.status !== 0,
  };
}
