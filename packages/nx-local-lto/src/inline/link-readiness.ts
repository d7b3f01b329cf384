import { codeReferences } from '../elf/code-references';
import { ElfObject, STB_LOCAL, STT_SECTION } from '../elf/elf';
import { demangleRust } from './demangle';

const STT_FILE = 4;

/** A symbol the object leaves undefined, for the final link to provide. */
export interface UndefinedSymbol {
  symbol: string;
  /** Demangled (Rust legacy and v0 paths); equal to `symbol` for C names. */
  demangled: string;
  /** Functions of the object whose code refers to it, demangled. */
  referencedBy: string[];
  /** Only the Rust runtime (core, alloc, std, the allocator shims) defines it: a C or kernel link will not. */
  rustRuntime: boolean;
}

/** Unmangled symbols of Rust's runtime: allocator shims, the panic handler, the unwinding personality. */
const RUNTIME_NAMES = /^(__rust_|__rdl_|__rg_|rust_eh_personality$|rust_begin_unwind$)/;
/** Crates whose items only the Rust runtime provides (`__rustc` holds the mangled allocator shims). */
const RUNTIME_CRATES = new Set(['core', 'alloc', 'std', '__rustc', 'panic_abort', 'panic_unwind', 'compiler_builtins']);

/** Whether only the Rust runtime could define `symbol` (by its name or its mangled crate). */
export function isRustRuntimeSymbol(symbol: string): boolean {
  if (RUNTIME_NAMES.test(symbol)) return true;
  const demangled = demangleRust(symbol);
  if (demangled === symbol) {
    // A v0 form the demangler does not read: its first crate root names the crate.
    const crate = /^_R\d*.*?C(?:s[0-9a-zA-Z]*_)?(\d+)_?/.exec(symbol);
    if (!crate) return false;
    const start = (crate.index ?? 0) + crate[0].length;
    return RUNTIME_CRATES.has(symbol.slice(start, start + Number(crate[1])));
  }
  const root = demangled.replace(/^</, '').split('::')[0];
  return RUNTIME_CRATES.has(root) || RUNTIME_NAMES.test(demangled.split('::').pop() ?? '');
}

/** The object's undefined symbols (sorted), each with the functions that refer to it. */
export function undefinedSymbols(elf: ElfObject): UndefinedSymbol[] {
  const users = new Map<string, Set<string>>();
  for (const ref of codeReferences(elf)) {
    let set = users.get(ref.to);
    if (!set) users.set(ref.to, (set = new Set()));
    set.add(ref.from);
  }
  const names = new Set(elf.symbols.filter((s) => s.shndx === 0 && s.bind !== STB_LOCAL && s.type !== STT_SECTION && s.type !== STT_FILE && s.name).map((s) => s.name));
  return [...names].sort().map((symbol) => ({
    symbol,
    demangled: demangleRust(symbol),
    referencedBy: [...(users.get(symbol) ?? [])].sort().map(demangleRust),
    rustRuntime: isRustRuntimeSymbol(symbol),
  }));
}
