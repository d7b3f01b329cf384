import { LocalLtoError } from '../errors';
import { BitcodeModuleInfo } from './module-info';

export interface LinkInput {
  /** Workspace-relative path, as shown in messages. */
  path: string;
  info: BitcodeModuleInfo;
}

const LTO_MODE_TEXT = {
  thin: 'ThinLTO (has a ThinLTO summary: rustc default, clang -flto=thin)',
  full: 'full LTO (no ThinLTO summary: clang -flto=full or plain -emit-llvm, rustc -Clto=fat)',
} as const;

/**
 * Checks every helper module against the Rust module before anything is linked:
 * - a different data layout is an error naming both triples (case 04: type sizes and
 *   alignment would disagree);
 * - a different triple with the same data layout is returned as a warning (lld and
 *   llvm-link only warn, but the helpers were built for another target);
 * - a different LTO mode is an error naming both modes and the fix (case 01): `ld.lld`
 *   would put the modules in different LTO partitions and inline nothing.
 * Returns the warnings; throws LocalLtoError on the first error.
 */
export function checkLinkInputs(rust: LinkInput, helpers: readonly LinkInput[]): string[] {
  const warnings: string[] = [];
  for (const h of helpers) {
    if (h.info.dataLayout !== rust.info.dataLayout) {
      throw new LocalLtoError(
        `${h.path} was compiled for ${h.info.triple || '(no triple)'} but ${rust.path} for ${rust.info.triple}, and their data layouts differ ` +
          `('${h.info.dataLayout}' vs '${rust.info.dataLayout}'): build the helpers with clang-bc option 'target' set to ${rust.info.triple} and no --target in 'cflags'.`,
      );
    }
    if (h.info.triple !== rust.info.triple) {
      warnings.push(
        `${h.path} has target triple ${h.info.triple} but ${rust.path} has ${rust.info.triple} (same data layout); set clang-bc option 'target' to ${rust.info.triple}.`,
      );
    }
    if (h.info.ltoMode !== rust.info.ltoMode) {
      const fix =
        `-flto=${rust.info.ltoMode}: clang-bc option 'ltoMode' "${rust.info.ltoMode}"${rust.info.ltoMode === 'thin' ? ' (its default)' : ''}, ` +
        `which an inferred project sets in project.json under targets.clang-bc.options (local-lto.json has no such key),`;
      throw new LocalLtoError(
        `LTO mode mismatch: ${rust.path} is ${LTO_MODE_TEXT[rust.info.ltoMode]} but ${h.path} is ${LTO_MODE_TEXT[h.info.ltoMode]}; ` +
          `mixed, ld.lld optimizes them in different LTO partitions and inlines no helper. Build the helpers with ${fix} and no other -flto in 'cflags' (local-lto.json or the clang-bc options).`,
      );
    }
  }
  return warnings;
}
