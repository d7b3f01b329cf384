import { TargetConfiguration } from '@nx/devkit';
import { join } from 'node:path';

/** Plain CommonJS script that prints tools' resolved paths and versions (bin/toolchain-id.js). */
export const TOOLCHAIN_ID_SCRIPT = join(__dirname, '..', '..', 'bin', 'toolchain-id.js');

export type Tool = 'rustc' | 'clang' | 'llvm-link' | 'ld.lld' | 'llvm-objcopy' | 'cc' | 'bindgen';

/** Tool paths a target's options may set (they come first in discovery). */
export interface ToolPaths {
  rustc?: string;
  clang?: string;
  llvmLink?: string;
  linker?: string;
  objcopy?: string;
  cc?: string;
  bindgen?: string;
}

const FLAG: Record<keyof ToolPaths, string> = { rustc: 'rustc', clang: 'clang', llvmLink: 'llvm-link', linker: 'linker', objcopy: 'objcopy', cc: 'cc', bindgen: 'bindgen' };

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The cache input naming the identity of the tools a target runs: one `runtime` command
 * whose output Nx hashes, `node bin/toolchain-id.js <tool>...`, which resolves each tool with
 * the executors' own discovery (option > env > `<tool>-M` > unsuffixed tool of major M >
 * rust-lld) and prints its path and version text. A different compiler behind any of those
 * names, or another one chosen by option or env, is a cache miss; the same tool chosen two
 * ways is a hit. One command per target, not per tool: Nx runs each distinct command about once
 * per hashing round (a batch of tasks), and each costs a Node start and a rustc query.
 * Nx hashes only the command's output, not its text, so the absolute script path does not
 * enter the key (checked on Nx 22.7.12).
 */
export function toolIdentityInput(tools: readonly Tool[], paths: ToolPaths = {}): { runtime: string } {
  const flags = (Object.keys(FLAG) as Array<keyof ToolPaths>)
    .filter((k) => typeof paths[k] === 'string' && paths[k])
    .map((k) => shellQuote(`--${FLAG[k]}=${paths[k]}`));
  return { runtime: ['node', shellQuote(TOOLCHAIN_ID_SCRIPT), ...tools, ...flags].join(' ') };
}

const RUNTIME_PREFIX = `node ${shellQuote(TOOLCHAIN_ID_SCRIPT)} `;

/** The tool paths among a target's options (`rustc`, `clang`, `llvmLink`, `linker`, `cc`). */
export function toolPathsOf(options: unknown): ToolPaths {
  const paths: ToolPaths = {};
  if (options && typeof options === 'object') {
    for (const k of Object.keys(FLAG) as Array<keyof ToolPaths>) {
      const v = (options as Record<string, unknown>)[k];
      if (typeof v === 'string' && v) paths[k] = v;
    }
  }
  return paths;
}

/**
 * `target` with its tool identity inputs re-pointed at `paths` (tool paths a project.json
 * sets in the target's options, which come first in discovery); other inputs unchanged.
 */
export function withToolPaths(target: TargetConfiguration, paths: ToolPaths): TargetConfiguration {
  if (!Object.keys(paths).length || !target.inputs) return target;
  const inputs = target.inputs.map((input) => {
    if (typeof input !== 'object' || !('runtime' in input) || !input.runtime.startsWith(RUNTIME_PREFIX)) return input;
    const tools = input.runtime.slice(RUNTIME_PREFIX.length).split(' ').filter((w) => !w.startsWith(`'--`)) as Tool[];
    return toolIdentityInput(tools, paths);
  });
  return { ...target, inputs };
}

/** POSIX sh script that prints tools' paths and version texts, the texts remembered by file identity (bin/tool-id.sh). */
export const TOOL_ID_SCRIPT = join(__dirname, '..', '..', 'bin', 'tool-id.sh');

/**
 * The identity of the tools a command target runs, without a Node start: `sh bin/tool-id.sh`
 * prints where the shell finds each tool and its own version text (`rustc -vV`, `--version`),
 * remembered by the tool file's identity, so hashing a task costs one stat and shell builtins
 * (about 0.004 s for the link's four tools, against 0.045 s with a stat and a cat per tool and
 * LLVM's multi-link tools asked each time). `words` are the command's own shell words
 * (`"${LOCAL_LTO_CLANG:-/usr/bin/clang-22}"`), so the variable that overrides a tool is read
 * here too. The script's path is not part of the key (Nx hashes a runtime input's output).
 */
export function nativeToolIdentityInput(words: readonly string[]): { runtime: string } {
  return { runtime: ['sh', shellQuote(TOOL_ID_SCRIPT), ...words].join(' ') };
}
