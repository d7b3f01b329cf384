import { LocalLtoError } from '../errors';
import { formatCommandLine, shellQuote } from './command-line';
import { spawnTool } from './spawn';
import { taskOutput } from './task-output';

export interface RunToolOptions {
  /** Working directory of the tool (the workspace root, so printed paths are relative). */
  cwd: string;
  /** Print the full command line before running it (the executor's `verbose` option). */
  verbose: boolean;
  /** Extra environment variables for the tool. */
  env?: Record<string, string>;
  /** Variables of this process's environment the tool must not see (printed as `env -u NAME`). */
  unsetEnv?: readonly string[];
}

export interface ToolResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs `file` with `args` as an argument array (no shell). Under `verbose` the command line
 * is printed first. The tool's stderr is passed through as it is (warnings keep their
 * file:line:col). A non-zero exit, a signal or a missing program throws LocalLtoError whose
 * message holds the full command line, so it can be rerun by hand.
 */
export async function runTool(file: string, args: readonly string[], options: RunToolOptions): Promise<ToolResult> {
  const unset = (options.unsetEnv ?? []).filter((name) => process.env[name] !== undefined);
  // Variables the tool needs are printed before it, as a shell takes them (`RUSTC_BOOTSTRAP=1 rustc ...`);
  // unset ones as `env -u NAME` in front, so the line still runs by hand.
  const commandLine = [
    ...(unset.length ? ['env', ...unset.map((n) => `-u ${n}`)] : []),
    ...Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)}`),
    formatCommandLine(file, args),
  ].join(' ');
  if (options.verbose) taskOutput.log(`$ ${commandLine}`);
  const result = await spawnTool(file, args, { cwd: options.cwd, env: withoutVariables({ ...process.env, ...options.env }, unset) });
  const { stdout, stderr } = result;
  if (result.failed) {
    const why = result.code === 'ENOENT'
      ? `${file} was not found`
      : result.signal
        ? `${file} was killed by ${result.signal}`
        : `${file} exited with code ${result.exitCode}`;
    const output = [stderr.trimEnd(), stdout.trimEnd()].filter(Boolean).join('\n');
    throw new LocalLtoError(`${why}\n  command: ${commandLine}${output ? `\n${output}` : ''}`);
  }
  if (stderr.trim()) taskOutput.stderr(stderr);
  return { stdout, stderr };
}

function withoutVariables(env: NodeJS.ProcessEnv, names: readonly string[]): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of names) delete copy[name];
  return copy;
}
