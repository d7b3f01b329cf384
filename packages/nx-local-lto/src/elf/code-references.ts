import { ElfObject, ElfSymbol, EM_X86_64, SHF_EXECINSTR, STB_GLOBAL, STB_LOCAL, STT_FUNC, STT_SECTION } from './elf';

/** A relocation in a function's code that names another function (a call that stayed a call). */
export interface CodeReference {
  /** Function whose code holds the relocation. */
  from: string;
  /** Function the relocation resolves to. */
  to: string;
  /** Relocation type number (e.g. 4 = R_X86_64_PLT32). */
  type: number;
}

/** x86_64 PC-relative relocations address the end of a 4-byte field: addend -4 means offset 0. */
const X86_64_PC_RELATIVE = new Set([2 /* PC32 */, 4 /* PLT32 */]);

/**
 * Every relocation inside executable sections, attributed to the function that contains it
 * and resolved to the function it refers to. After internalization a call to a helper that
 * was not inlined goes through the LOCAL section symbol (`.text.rust_helper_x`), not the
 * helper's name, so section symbols are resolved to the function at the addressed offset.
 */
export function codeReferences(elf: ElfObject): CodeReference[] {
  const functionsBySection = new Map<number, ElfSymbol[]>();
  for (const s of elf.symbols) {
    if (s.type !== STT_FUNC || s.shndx === 0) continue;
    const list = functionsBySection.get(s.shndx) ?? [];
    list.push(s);
    functionsBySection.set(s.shndx, list);
  }
  const functionAt = (section: number, offset: number): ElfSymbol | undefined => {
    const list = functionsBySection.get(section) ?? [];
    return list.find((f) => offset >= f.value && offset < f.value + Math.max(f.size, 1)) ?? (list.length === 1 ? list[0] : undefined);
  };
  const references: CodeReference[] = [];
  for (const r of elf.relocations) {
    const section = elf.sections[r.target];
    if (!section || (section.flags & SHF_EXECINSTR) === 0) continue;
    const from = functionAt(r.target, r.offset);
    const symbol = elf.symbols[r.symbol];
    if (!from || !symbol) continue;
    let to: string | undefined;
    if (symbol.type === STT_SECTION) {
      const bias = elf.machine === EM_X86_64 && X86_64_PC_RELATIVE.has(r.type) ? 4 : 0;
      to = functionAt(symbol.shndx, r.addend + bias)?.name;
    } else {
      to = symbol.name;
    }
    if (to) references.push({ from: from.name, to, type: r.type });
  }
  return references;
}

/** Binding of each function symbol the object defines: `local`, `global` or `weak`. */
export function definedFunctionBindings(elf: ElfObject): Map<string, 'local' | 'global' | 'weak'> {
  const result = new Map<string, 'local' | 'global' | 'weak'>();
  for (const s of elf.symbols) {
    if (s.type !== STT_FUNC || s.shndx === 0) continue;
    result.set(s.name, s.bind === STB_LOCAL ? 'local' : s.bind === STB_GLOBAL ? 'global' : 'weak');
  }
  return result;
}
