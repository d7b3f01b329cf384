import { ElfObject, SHF_EXECINSTR, STT_FUNC } from '../elf/elf';
import { demangleRust } from './demangle';

const SHF_WRITE = 0x1;
const SHF_ALLOC = 0x2;
const SHT_NOBITS = 8;

/** What the object weighs, and which crates (or C) its code comes from. */
export interface ObjectSize {
  /** Bytes of loaded sections: code, read-only data, writable data, zero-filled data. */
  text: number;
  rodata: number;
  data: number;
  bss: number;
  /** Function bytes by origin: a Rust crate (from the mangled name), `C` or `#[no_mangle]`; largest first. */
  crates: Array<{ crate: string; functions: number; bytes: number }>;
  /** Symbols the object leaves to the final link (C library ones for a self-contained object). */
  undefined: string[];
}

/**
 * The crate of a Rust symbol: the first crate root of a v0 name (`_R...C<dis>_<len>core...`,
 * through nested paths, impls and generic instantiations), or the first path segment of a
 * legacy name (`alloc::raw_vec::...`, `<bitflags::... as ...>`, the trait's crate for
 * `<&T as core::fmt::Display>`). Undefined for other names.
 */
export function crateOfSymbol(symbol: string): string | undefined {
  if (symbol.startsWith('_R')) {
    let i = 2;
    const skipDisambiguator = () => {
      if (symbol[i] === 's') i = symbol.indexOf('_', i) + 1;
    };
    while (i > 0 && i < symbol.length) {
      const c = symbol[i];
      if (c === 'N') i += 2;
      else if (c === 'I' || c === 'Y') i += 1;
      else if (c === 'M' || c === 'X') {
        i += 1;
        skipDisambiguator();
      } else if (c === 'C') {
        i += 1;
        skipDisambiguator();
        const m = /^(u?)(\d+)_?/.exec(symbol.slice(i));
        if (!m) return undefined;
        return symbol.slice(i + m[0].length, i + m[0].length + Number(m[2]));
      } else return undefined;
    }
    return undefined;
  }
  const demangled = demangleRust(symbol);
  if (demangled === symbol) return undefined;
  // `<&T as core::fmt::Display>::fmt`: a type parameter or primitive has no crate; the trait's does.
  const impl = /^<([^<>]*?) as ([A-Za-z_][A-Za-z0-9_]*)::/.exec(demangled);
  if (impl && !impl[1].includes('::')) return impl[2];
  return /^[<&*\s]*(?:mut\s+|const\s+|dyn\s+)?([A-Za-z_][A-Za-z0-9_]*)/.exec(demangled)?.[1];
}

/** Sizes of `elf` by section kind and of its functions by origin; `cFunctions` names the functions defined in C. */
export function objectSize(elf: ElfObject, cFunctions: ReadonlySet<string>): ObjectSize {
  const loaded = elf.sections.filter((s) => s.flags & SHF_ALLOC);
  const sum = (pick: (flags: number, type: number) => boolean) => loaded.filter((s) => pick(s.flags, s.type)).reduce((n, s) => n + s.size, 0);
  const byCrate = new Map<string, { functions: number; bytes: number }>();
  for (const sym of elf.symbols) {
    if (sym.type !== STT_FUNC || sym.shndx === 0) continue;
    const crate = crateOfSymbol(sym.name) ?? (cFunctions.has(sym.name) ? 'C' : '#[no_mangle]');
    const entry = byCrate.get(crate) ?? { functions: 0, bytes: 0 };
    entry.functions++;
    entry.bytes += sym.size;
    byCrate.set(crate, entry);
  }
  return {
    text: sum((f) => (f & SHF_EXECINSTR) !== 0),
    rodata: sum((f, t) => (f & (SHF_EXECINSTR | SHF_WRITE)) === 0 && t !== SHT_NOBITS),
    data: sum((f, t) => (f & SHF_WRITE) !== 0 && t !== SHT_NOBITS),
    bss: sum((_f, t) => t === SHT_NOBITS),
    crates: [...byCrate.entries()].map(([crate, e]) => ({ crate, ...e })).sort((a, b) => b.bytes - a.bytes || a.crate.localeCompare(b.crate)),
    undefined: [...new Set(elf.symbols.filter((s) => s.shndx === 0 && s.name).map((s) => s.name))].sort(),
  };
}

/** One line for the terminal: `3691 bytes (text 3619, ...); code by crate: core 1200, ...; undefined: abort, free, ...`. */
export function formatObjectSize(size: ObjectSize): string {
  const total = size.text + size.rodata + size.data + size.bss;
  const crates = size.crates.map((c) => `${c.crate} ${c.bytes}`).join(', ');
  return `object: ${total} bytes (text ${size.text}, rodata ${size.rodata}, data ${size.data}, bss ${size.bss}); code by origin: ${crates || 'none'}; undefined: ${size.undefined.join(', ') || 'none'}`;
}
