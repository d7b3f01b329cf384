/**
 * The tools every variant uses, found the way the plugin's executors find them (its own
 * discovery: rustc, then clang / llvm-link / ld.lld of rustc's LLVM major), so the
 * `separate`, `full_lto` and Makefile builds run the same compilers as `nx build`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { resolveLlvmTool, resolveRustc } from '../../packages/nx-local-lto/src/toolchain/discover';
import { versionLine } from './proc';

export interface Tools {
  rustc: string;
  /** rustc's host target, also the LLVM triple clang is given. */
  host: string;
  clang: string;
  llvmLink: string;
  ldLld: string;
  /** The system linker for `ld -r` (no LTO). */
  ld: string;
  make: string;
}

export async function findTools(): Promise<Tools> {
  const rustc = await resolveRustc({});
  const [clang, llvmLink, ldLld] = await Promise.all([
    resolveLlvmTool('clang', rustc, {}),
    resolveLlvmTool('llvm-link', rustc, {}),
    resolveLlvmTool('ld.lld', rustc, {}),
  ]);
  if (ldLld.prefixArgs.length) throw new Error(`bench: needs ld.lld-${rustc.llvm.major} (found only ${ldLld.path}); run scripts/setup.sh`);
  return { rustc: rustc.path, host: rustc.host, clang: clang.path, llvmLink: llvmLink.path, ldLld: ldLld.path, ld: 'ld', make: 'make' };
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m ? m[1] : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** CPU, cores, OS and the version of every tool a figure depends on. */
export function machineFacts(tools: Tools): Record<string, string | number> {
  const cpu = cpus();
  const nxVersion = (require('nx/package.json') as { version: string }).version;
  return {
    cpu_model: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    os: osName(),
    kernel: release(),
    node: process.version,
    nx: nxVersion,
    rustc: versionLine(tools.rustc),
    rustc_llvm: (/LLVM version: (\S+)/.exec(execFileSync(tools.rustc, ['-vV'], { encoding: 'utf8' })) ?? [])[1] ?? 'unknown',
    clang: versionLine(tools.clang),
    ld_lld: versionLine(tools.ldLld),
    llvm_link: versionLine(tools.llvmLink),
    ld: versionLine(tools.ld),
    make: versionLine(tools.make),
    liburing: versionLine('dpkg-query', ['-W', '-f', '${Version}', 'liburing-dev']),
  };
}
