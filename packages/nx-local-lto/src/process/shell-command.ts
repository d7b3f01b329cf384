import { shellQuote } from './command-line';

/**
 * Stands for the workspace root inside an argument of a shell command (`--remap-path-prefix=<root>=.`).
 * The command says `"$PWD"` there (Nx runs `nx:run-commands` in the workspace root), so the
 * target's text, which Nx hashes with the project's configuration, is the same in every checkout.
 */
export const WORKSPACE_ROOT = '@@LOCAL_LTO_WORKSPACE_ROOT@@';

/** One argument as a POSIX shell word; WORKSPACE_ROOT becomes `"$PWD"`. */
export function shellWord(arg: string): string {
  const quoted = shellQuote(arg);
  if (!arg.includes(WORKSPACE_ROOT)) return quoted;
  return quoted.split(WORKSPACE_ROOT).join(quoted.startsWith("'") ? `'"$PWD"'` : '"$PWD"');
}

/** `file args...` as a shell command line, every argument quoted (built from an argument array, never parsed). */
export function shellCommand(file: string, args: readonly string[], leading: readonly string[] = []): string {
  return [shellWord(file), ...leading, ...args.map(shellWord)].join(' ');
}

/**
 * A step's commands as one `sh` script that never leaves part of its outputs behind: it creates
 * the output folders, runs the commands in order, and removes every output when one fails or
 * the step is interrupted (Ctrl-C), as the executors' staged outputs do.
 */
export function guardedScript(commands: readonly string[], outputs: readonly string[]): string {
  const folders = [...new Set(outputs.map((o) => o.replace(/\/[^/]*$/, '') || '.'))];
  const remove = `rm -f ${outputs.map(shellWord).join(' ')}`;
  // `[ -d ]` is a shell builtin: mkdir runs only for a folder not made yet.
  const made = folders.map((f) => `[ -d ${shellWord(f)} ]`).join(' && ');
  return `trap ${shellQuote(remove)} INT TERM; { ${made} || mkdir -p ${folders.map(shellWord).join(' ')}; } && ${commands.join(' && ')} || { ${remove}; exit 1; }`;
}
