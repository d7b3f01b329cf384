import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Nx's logger, loaded on first use: a step run outside an Nx process (bin/run-step.js) would
 * otherwise pay for loading Nx before its first line.
 */
let devkitLogger: typeof import('@nx/devkit').logger | undefined;
function logger(): typeof import('@nx/devkit').logger {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (devkitLogger ??= (require('@nx/devkit') as typeof import('@nx/devkit')).logger);
}

/** The running task's terminal output, while a batch runs several tasks in one process. */
const capture = new AsyncLocalStorage<string[]>();

function emit(text: string, toTerminal: (text: string) => void): void {
  const chunks = capture.getStore();
  if (chunks) chunks.push(text.endsWith('\n') ? text : `${text}\n`);
  else toTerminal(text);
}

/**
 * Where executors print. Run on its own (one task per process) a line goes to the terminal
 * as before; inside `captureTaskOutput` (batch mode) it goes into that task's own terminal
 * output, which Nx prints under the task and stores in its cache entry, so concurrent tasks
 * never interleave their lines.
 */
export const taskOutput = {
  /** A progress line (`  RUSTC-BC a.rs -> a.bc`), a table, a command line under --verbose. */
  log: (line: string) => emit(line, (t) => console.log(t)),
  warn: (line: string) => emit(line, (t) => logger().warn(t)),
  error: (line: string) => emit(line, (t) => logger().error(t)),
  /** What a program wrote to its stdout (the host test's report), passed through unchanged. */
  stdout: (text: string) => emit(text, (t) => process.stdout.write(t)),
  /** What a tool wrote to its stderr (warnings with file:line:col), passed through unchanged. */
  stderr: (text: string) => emit(text, (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`)),
};

/** Runs `fn`, collecting everything it prints through `taskOutput` instead of printing it. */
export async function captureTaskOutput<T>(fn: () => Promise<T>): Promise<{ value: T; output: string }> {
  const chunks: string[] = [];
  const value = await capture.run(chunks, fn);
  return { value, output: chunks.join('') };
}
