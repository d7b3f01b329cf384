import { existsSync } from 'node:fs';
import which from 'which';
import { LocalLtoError } from '../errors';
import { askTool } from './answer-memo';
import { describeRustc, RustcInfo, rustLldPath } from './rustc';
import { formatLlvmVersion, LlvmVersion, parseLlvmVersion } from './version';
import { processMemo } from '../process/process-memo';

/** The LLVM tools the pipeline runs besides rustc. */
export type LlvmToolKind = 'clang' | 'llvm-link' | 'ld.lld' | 'llvm-objcopy';

/** Tool paths a user may set per target; each overrides its environment variable. */
export interface ToolchainOptions {
  /** rustc to run (env LOCAL_LTO_RUSTC; default `rustc` on PATH). */
  rustc?: string;
  /** clang to run (env LOCAL_LTO_CLANG). */
  clang?: string;
  /** llvm-link to run (env LOCAL_LTO_LLVM_LINK). */
  llvmLink?: string;
  /** ld.lld (or rust-lld) to run (env LOCAL_LTO_LD). */
  linker?: string;
  /** llvm-objcopy to run (env LOCAL_LTO_OBJCOPY), for the symbol policy. */
  objcopy?: string;
}

/** A tool found for the pipeline, with the LLVM it reads and writes. */
export interface ResolvedTool {
  kind: LlvmToolKind;
  /** Absolute path, or the name as given when it was set explicitly. */
  path: string;
  /** Arguments that precede every invocation (`-flavor gnu` for rust-lld). */
  prefixArgs: string[];
  version: LlvmVersion;
  /** How it was chosen: `option`, `env`, `versioned` (clang-22), `unversioned` (clang of major 22) or `rust-lld`. */
  source: 'option' | 'env' | 'versioned' | 'unversioned' | 'rust-lld';
}

/** Environment variables honoured by toolchain discovery (they belong in cache inputs). */
export const TOOL_ENV = { rustc: 'LOCAL_LTO_RUSTC', clang: 'LOCAL_LTO_CLANG', 'llvm-link': 'LOCAL_LTO_LLVM_LINK', 'ld.lld': 'LOCAL_LTO_LD', 'llvm-objcopy': 'LOCAL_LTO_OBJCOPY' } as const;

/** Debian package that provides each tool for LLVM major M (`<package>-M`). */
const DEBIAN_PACKAGE: Record<LlvmToolKind, string> = { clang: 'clang', 'llvm-link': 'llvm', 'ld.lld': 'lld', 'llvm-objcopy': 'llvm' };

const OPTION_NAME: Record<LlvmToolKind, keyof ToolchainOptions> = { clang: 'clang', 'llvm-link': 'llvmLink', 'ld.lld': 'linker', 'llvm-objcopy': 'objcopy' };

/** The Debian package that provides `kind` for LLVM `major`, e.g. `lld-22`. */
export function debianPackageFor(kind: LlvmToolKind, major: number): string {
  return `${DEBIAN_PACKAGE[kind]}-${major}`;
}

/** The rustc chosen by option, then LOCAL_LTO_RUSTC, then `rustc` on PATH. */
export function resolveRustc(options: ToolchainOptions, env: NodeJS.ProcessEnv = process.env): Promise<RustcInfo> {
  return describeRustc(options.rustc || env[TOOL_ENV.rustc] || 'rustc');
}

/** `<tool> --version` per command, asked once per process (a batch resolves the same tools for every task). */
const versions = processMemo<string, Promise<LlvmVersion | undefined>>();

function toolVersion(path: string, prefixArgs: string[]): Promise<LlvmVersion | undefined> {
  const key = JSON.stringify([path, ...prefixArgs]);
  let version = versions.get(key);
  if (!version) {
    version = askTool(path, [...prefixArgs, '--version']).then((r) => (r.failed ? undefined : parseLlvmVersion(r.stdout)));
    versions.set(key, version);
  }
  return version;
}

/**
 * Finds `kind` for rustc's LLVM major M, in this order (ARCHITECTURE.md section 4):
 * the explicit option, its environment variable, `<kind>-M` on PATH, `<kind>` on PATH if
 * its major is M, and for the linker `rust-lld` from rustc's sysroot. A tool of another
 * major is never picked on its own. Throws LocalLtoError naming the Debian package.
 */
export async function resolveLlvmTool(
  kind: LlvmToolKind,
  rustc: RustcInfo,
  options: ToolchainOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedTool> {
  const major = rustc.llvm.major;
  const explicit: Array<[ResolvedTool['source'], string | undefined, string]> = [
    ['option', options[OPTION_NAME[kind]], `option '${OPTION_NAME[kind]}'`],
    ['env', env[TOOL_ENV[kind]], `$${TOOL_ENV[kind]}`],
  ];
  for (const [source, given, where] of explicit) {
    if (!given) continue;
    const prefixArgs = /rust-lld$/.test(given) ? ['-flavor', 'gnu'] : [];
    const version = await toolVersion(given, prefixArgs);
    if (!version) throw new LocalLtoError(`${where} names '${given}', which does not run or does not print an LLVM version. Fix the path or unset it.`);
    return { kind, path: given, prefixArgs, version, source };
  }
  const tried: string[] = [];
  const onPath = { nothrow: true as const, path: env.PATH ?? '' };
  const versioned = await which(`${kind}-${major}`, onPath);
  tried.push(`${kind}-${major}`);
  if (versioned) {
    const version = await toolVersion(versioned, []);
    if (version) return { kind, path: versioned, prefixArgs: [], version, source: 'versioned' };
  }
  const plain = await which(kind, onPath);
  if (plain) {
    const version = await toolVersion(plain, []);
    tried.push(`${kind} (${version ? `LLVM ${formatLlvmVersion(version)}` : 'no version'})`);
    if (version?.major === major) return { kind, path: plain, prefixArgs: [], version, source: 'unversioned' };
  } else {
    tried.push(kind);
  }
  if (kind === 'ld.lld') {
    const rustLld = rustLldPath(rustc);
    tried.push(rustLld);
    if (existsSync(rustLld)) {
      const version = await toolVersion(rustLld, ['-flavor', 'gnu']);
      if (version) return { kind, path: rustLld, prefixArgs: ['-flavor', 'gnu'], version, source: 'rust-lld' };
    }
  }
  throw new LocalLtoError(
    `no ${kind} for LLVM ${major} (the LLVM of rustc ${rustc.release}) was found; tried ${tried.join(', ')}. ` +
      `Install it with 'apt-get install -y ${debianPackageFor(kind, major)}', or set option '${OPTION_NAME[kind]}' or $${TOOL_ENV[kind]}.`,
  );
}
