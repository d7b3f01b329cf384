import { relative } from 'node:path';
import { BitcodeModuleInfo, producerLlvmVersion } from '../bitcode/module-info';
import { LocalLtoError } from '../errors';
import { debianPackageFor, ResolvedTool } from './discover';
import { formatLlvmVersion } from './version';

/**
 * Bitcode is readable only by the same or a newer LLVM (LLVM's bitcode compatibility
 * policy; the rustc book's "Linker-plugin-based LTO" table pairs each rustc with the
 * clang/lld of its LLVM). Checks every input against the tool that will read it, before
 * it runs, and throws one line naming the file, both versions and the fix (case 05).
 */
export function assertReadableBy(
  reader: ResolvedTool,
  inputs: ReadonlyArray<{ path: string; info: BitcodeModuleInfo }>,
  workspaceRoot: string,
): void {
  for (const { path, info } of inputs) {
    const produced = producerLlvmVersion(info.producer);
    if (!produced || produced.major <= reader.version.major) continue;
    throw new LocalLtoError(
      `${relative(workspaceRoot, path)} was produced by LLVM ${produced.major}.${produced.minor}.${produced.patch} ('${info.producer}') ` +
        `but ${reader.kind} ${reader.path} is LLVM ${formatLlvmVersion(reader.version)} and cannot read newer bitcode: ` +
        `install '${debianPackageFor(reader.kind, produced.major)}' (apt-get install -y ${debianPackageFor(reader.kind, produced.major)})` +
        (reader.kind === 'ld.lld' ? ` or use rust-lld from rustc's sysroot` : '') +
        '.',
    );
  }
}
