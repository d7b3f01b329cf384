import picomatch from 'picomatch';
import { BitcodeModuleInfo } from '../bitcode/module-info';
import { ElfObject, STB_LOCAL, STT_SECTION } from './elf';

const STT_FILE = 4;

/** Rust's legacy (`_ZN...E`) and v0 (`_R...`) manglings; `#[no_mangle]` items have plain names. */
export function isRustMangled(name: string): boolean {
  return /^_ZN.*E(\.llvm\.\d+)?$/.test(name) || /^_R[a-zA-Z0-9_]/.test(name);
}

/**
 * Unmangled names the Rust runtime itself defines (std's unwinding personality and panic
 * entry, the allocator shims): never a driver's API. Left global in a self-contained object,
 * two drivers using std would clash in one program.
 */
const RUST_RUNTIME_NAMES = /^(rust_eh_personality|rust_begin_unwind|__rust_.*|__rg_.*|__rdl_.*|__rustc.*)$/;

/** The `#[no_mangle]` items among a Rust crate's symbols: defined, externally visible, unmangled, not Rust's runtime. */
export function exportableNames(symbols: ReadonlyArray<{ name: string; isDeclaration: boolean; isLocal: boolean }>): string[] {
  const api = (n: string) => n && !isRustMangled(n) && !n.startsWith('llvm.') && !RUST_RUNTIME_NAMES.test(n);
  return [...new Set(symbols.filter((s) => !s.isDeclaration && !s.isLocal && api(s.name)).map((s) => s.name))].sort();
}

/** A driver's default exports: the Rust crate's `#[no_mangle]` functions and statics, read from its bitcode. */
export function defaultExports(rust: BitcodeModuleInfo): string[] {
  return exportableNames([...rust.functions, ...rust.globals]);
}

/**
 * The object's defined non-local symbols, split into those matched by the export globs
 * (picomatch; a plain name matches itself) and the rest, which the policy makes LOCAL.
 * `unmatched` lists patterns that matched no defined symbol (usually a typo).
 */
export function applyExports(elf: ElfObject, exports: readonly string[]): { keep: string[]; localize: string[]; unmatched: string[] } {
  const defined = elf.symbols.filter((s) => s.shndx !== 0 && s.bind !== STB_LOCAL && s.type !== STT_SECTION && s.type !== STT_FILE && s.name);
  const names = [...new Set(defined.map((s) => s.name))].sort();
  const matchers = exports.map((p) => ({ pattern: p, test: picomatch(p) }));
  const keep = names.filter((n) => matchers.some((m) => m.test(n)));
  return {
    keep,
    localize: names.filter((n) => !keep.includes(n)),
    unmatched: matchers.filter((m) => !names.some((n) => m.test(n))).map((m) => m.pattern),
  };
}
