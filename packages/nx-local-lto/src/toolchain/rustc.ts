import { join } from 'node:path';
import { LocalLtoError } from '../errors';
import { askTool } from './answer-memo';
import { LlvmVersion, parseLlvmVersion } from './version';
import { processMemo } from '../process/process-memo';

/** Facts about one rustc, from `rustc -vV` and `rustc --print sysroot`. */
export interface RustcInfo {
  path: string;
  /** e.g. `1.95.0`. */
  release: string;
  /** LLVM that rustc was built with (its bitcode's producer). */
  llvm: LlvmVersion;
  /** Host target triple, e.g. `x86_64-unknown-linux-gnu`. */
  host: string;
  sysroot: string;
}

const cache = processMemo<string, Promise<RustcInfo>>();

/** Describes the rustc at `path` (a name on PATH or a file). Throws LocalLtoError if it does not run. */
export function describeRustc(path: string): Promise<RustcInfo> {
  let info = cache.get(path);
  if (!info) {
    info = query(path);
    cache.set(path, info);
  }
  return info;
}

async function query(path: string): Promise<RustcInfo> {
  const [vv, sysroot] = await Promise.all([askTool(path, ['-vV']), askTool(path, ['--print', 'sysroot'])]);
  if (vv.failed) {
    throw new LocalLtoError(
      `rustc could not be run as '${path}' (${vv.code ?? `exit ${vv.exitCode}`}). Install Rust with rustup, or set the 'rustc' option or LOCAL_LTO_RUSTC to a working rustc.`,
    );
  }
  const field = (name: string) => new RegExp(`^${name}: (.+)$`, 'm').exec(vv.stdout)?.[1]?.trim() ?? '';
  const llvm = parseLlvmVersion(`version: ${field('LLVM version')}`);
  if (!llvm) throw new LocalLtoError(`'${path} -vV' did not report an LLVM version; rustc must be built with LLVM.`);
  return { path, release: field('release'), llvm, host: field('host'), sysroot: sysroot.stdout.trim() };
}

/** rust-lld shipped in rustc's sysroot (its LLVM always matches rustc's). */
export function rustLldPath(rustc: RustcInfo): string {
  return join(rustc.sysroot, 'lib', 'rustlib', rustc.host, 'bin', 'rust-lld');
}
