import { CBitcodeStep, preprocessArgs } from '../pipeline/commands';
import { shellQuote } from '../process/command-line';

/** Nx `runtime` input: a command whose output Nx hashes (its text is not part of the key). */
export type RuntimeInput = { runtime: string };

/**
 * Files outside the workspace that decide a kernel build (release, configuration, exported
 * symbols): their checksums. Nx inputs cannot name files outside the workspace; a runtime
 * command can read them.
 */
export function fileContentsInput(files: readonly string[]): RuntimeInput {
  return { runtime: ['sha256sum', '--', ...files.map(shellQuote)].join(' ') };
}

/**
 * The headers a C file reads, wherever they are: the file preprocessed by the build's own
 * clang with the build's own flags (`-E -P`, PREPROCESS in commands.ts). A changed system or
 * kernel header changes the text, so the key; an untouched one gives the same text on every
 * machine with the same files. A compile error is hashed as text: the task then runs and
 * reports it.
 */
export function preprocessedInput(clang: string, step: CBitcodeStep): RuntimeInput {
  return { runtime: `${[clang, ...preprocessArgs(step)].map(shellQuote).join(' ')} 2>&1 || true` };
}
