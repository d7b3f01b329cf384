/** An LLVM release number. */
export interface LlvmVersion {
  major: number;
  minor: number;
  patch: number;
}

/**
 * The LLVM version in a tool's `--version` text: `Debian clang version 22.1.8`,
 * `Debian LLVM version 22.1.8`, `Debian LLD 22.1.8 (compatible with GNU linkers)`,
 * `LLVM version: 22.1.2` (rustc -vV). Undefined when none is found.
 */
export function parseLlvmVersion(text: string): LlvmVersion | undefined {
  const m = /(?:version:?|LLD)\s+(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

export function formatLlvmVersion(v: LlvmVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}
