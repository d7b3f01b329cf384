import { execFileSync } from 'node:child_process';
import { TOOL_ENV } from '../toolchain/discover';
import { parseLlvmVersion } from '../toolchain/version';

let rustcMajor: number | undefined | null = null;

/** LLVM major of `rustc` on PATH (or $LOCAL_LTO_RUSTC), read once per process; undefined if it does not run. */
function rustcLlvmMajor(): number | undefined {
  if (rustcMajor === null) {
    try {
      const out = execFileSync(process.env[TOOL_ENV.rustc] || 'rustc', ['-vV'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      rustcMajor = parseLlvmVersion(/^LLVM version: .*$/m.exec(out)?.[0] ?? '')?.major;
    } catch {
      rustcMajor = undefined;
    }
  }
  return rustcMajor;
}

type Tool = 'rustc' | 'clang' | 'llvm-link' | 'ld.lld';

/**
 * Cache inputs naming a tool's identity: its environment override and a `runtime` input
 * whose output (the tool's version text) Nx hashes. The command follows discovery's first
 * choices (the env variable, else `<tool>-<M>` for rustc's LLVM major M), so a different
 * compiler behind the same name, or another one chosen by env, is a cache miss.
 */
export function toolIdentityInputs(tool: Tool): Array<{ env: string } | { runtime: string }> {
  const env = TOOL_ENV[tool];
  if (tool === 'rustc') return [{ env }, { runtime: `"\${${env}:-rustc}" -vV` }];
  const major = rustcLlvmMajor();
  const fallback = major ? `${tool}-${major}` : tool;
  return [{ env }, { runtime: `"\${${env}:-${fallback}}" --version` }];
}
