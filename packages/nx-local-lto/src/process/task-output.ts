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

/** Where a task's lines go instead of this process's terminal: its own stdout and stderr. */
export interface TaskOutputSink {
  out(text: string): void;
  err(text: string): void;
}

/** The running task's sink, while one process runs several tasks (a batch, the link server). */
const sinks = new AsyncLocalStorage<TaskOutputSink>();

const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

/**
 * Where executors print. Run on its own (one task per process) a line goes to the terminal
 * as before; inside `captureTaskOutput` (batch mode) it goes into that task's own terminal
 * output, which Nx prints under the task and stores in its cache entry, so concurrent tasks
 * never interleave their lines; inside `withTaskOutputSink` (the link server) to the client
 * that runs the task.
 */
export const taskOutput = {
  /** A progress line (`  RUSTC-BC a.rs -> a.bc`), a table, a command line under --verbose. */
  log: (text: string) => emit('out', line(text), () => console.log(text)),
  warn: (text: string) => emit('err', line(text), () => logger().warn(text)),
  error: (text: string) => emit('err', line(text), () => logger().error(text)),
  /** What a program wrote to its stdout (the host test's report), passed through unchanged. */
  stdout: (text: string) => emit('out', text, () => process.stdout.write(text)),
  /** What a tool wrote to its stderr (warnings with file:line:col), passed through unchanged. */
  stderr: (text: string) => emit('err', line(text), () => process.stderr.write(line(text))),
};

/** `text` to the running task's sink when there is one, else `toTerminal()`. */
function emit(stream: keyof TaskOutputSink, text: string, toTerminal: () => void): void {
  const sink = sinks.getStore();
  if (sink) sink[stream](text);
  else toTerminal();
}

/** Runs `fn` with everything it prints through `taskOutput` sent to `sink`. */
export function withTaskOutputSink<T>(sink: TaskOutputSink, fn: () => Promise<T>): Promise<T> {
  return sinks.run(sink, fn);
}

/** Runs `fn`, collecting everything it prints through `taskOutput` instead of printing it. */
export async function captureTaskOutput<T>(fn: () => Promise<T>): Promise<{ value: T; output: string }> {
  const chunks: string[] = [];
  const push = (text: string) => void chunks.push(line(text));
  const value = await withTaskOutputSink({ out: push, err: push }, fn);
  return { value, output: chunks.join('') };
}
