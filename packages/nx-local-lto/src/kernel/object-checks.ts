import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FunctionAttributes } from '../bitcode/attributes';
import { ElfObject, ElfSymbol, STB_LOCAL, STB_WEAK, STT_SECTION } from '../elf/elf';
import { demangleRust } from '../inline/demangle';
import { formatCommandLine } from '../process/command-line';
import { spawnTool } from '../process/spawn';
import { taskOutput } from '../process/task-output';
import { Hardening, X86_HARDENING } from './rust-flags';
import { configEnabled, KernelTree } from './tree';

/** One way the object would fail in the kernel: `check` names the judge, `message` is one line. */
export interface KernelViolation {
  check: 'relocation' | 'hardening' | 'objtool' | 'undefined-symbol' | 'simd';
  message: string;
}

/** The `kernel` part of inline-report.json: the tree the object was checked against and what failed. */
export interface KernelReport {
  tree: string;
  release: string;
  checks: string[];
  violations: KernelViolation[];
}

/**
 * Relocation types the x86_64 module loader applies (arch/x86/kernel/module.c,
 * __write_relocate_add, Linux 6.x); any other is "Unknown rela relocation" at insmod.
 */
export const MODULE_LOADER_RELOCATIONS: ReadonlyMap<number, string> = new Map([
  [0, 'R_X86_64_NONE'], [1, 'R_X86_64_64'], [2, 'R_X86_64_PC32'], [4, 'R_X86_64_PLT32'],
  [10, 'R_X86_64_32'], [11, 'R_X86_64_32S'], [24, 'R_X86_64_PC64'],
]);

/** Names of the other x86_64 relocation types (System V x86-64 psABI), for messages. */
const OTHER_RELOCATIONS: Record<number, string> = {
  3: 'R_X86_64_GOT32', 5: 'R_X86_64_COPY', 6: 'R_X86_64_GLOB_DAT', 7: 'R_X86_64_JUMP_SLOT', 8: 'R_X86_64_RELATIVE', 9: 'R_X86_64_GOTPCREL',
  12: 'R_X86_64_16', 13: 'R_X86_64_PC16', 14: 'R_X86_64_8', 15: 'R_X86_64_PC8', 16: 'R_X86_64_DTPMOD64', 17: 'R_X86_64_DTPOFF64',
  18: 'R_X86_64_TPOFF64', 19: 'R_X86_64_TLSGD', 20: 'R_X86_64_TLSLD', 21: 'R_X86_64_DTPOFF32', 22: 'R_X86_64_GOTTPOFF',
  23: 'R_X86_64_TPOFF32', 25: 'R_X86_64_GOTOFF64', 26: 'R_X86_64_GOTPC32', 27: 'R_X86_64_GOT64', 28: 'R_X86_64_GOTPCREL64',
  29: 'R_X86_64_GOTPC64', 30: 'R_X86_64_GOTPLT64', 31: 'R_X86_64_PLTOFF64', 41: 'R_X86_64_GOTPCRELX', 42: 'R_X86_64_REX_GOTPCRELX',
};

/** What makes a compiler emit a relocation the loader lacks, and the flags to look for in the build's flags. */
const CAUSES: Array<{ types: number[]; why: string; flags: RegExp }> = [
  { types: [3, 9, 26, 27, 28, 41, 42], why: 'access through the GOT', flags: /^(-fno-plt|-fpic|-fPIC|-fpie|-fPIE|-Crelocation-model=(pic|pie)|-Zplt=no)$/ },
  { types: [19, 20, 21, 22, 23], why: 'thread-local storage (kernel code has none)', flags: /^(-ftls-model=.*)$/ },
  { types: [25, 29, 30, 31], why: 'the large code model', flags: /^(-mcmodel=large|-Ccode-model=large)$/ },
];

/** A relocation's target as a name: the symbol, or for a section symbol the section. */
function targetName(elf: ElfObject, s: ElfSymbol): string {
  return s.type === STT_SECTION ? elf.sections[s.shndx]?.name ?? `section ${s.shndx}` : s.name;
}

/**
 * Every relocation in a section the loader allocates (it skips the others, e.g. debug info)
 * must be of a type the loader applies. One line per (type, symbol), naming the flag from
 * `flags` that causes it when one is there.
 */
export function checkLoaderRelocations(elf: ElfObject, flags: readonly string[]): KernelViolation[] {
  const SHF_ALLOC = 0x2;
  const seen = new Map<string, KernelViolation>();
  for (const r of elf.relocations) {
    if (MODULE_LOADER_RELOCATIONS.has(r.type)) continue;
    const section = elf.sections[r.target];
    if (!section || (section.flags & SHF_ALLOC) === 0) continue;
    const name = OTHER_RELOCATIONS[r.type] ?? `relocation type ${r.type}`;
    const symbol = targetName(elf, elf.symbols[r.symbol]);
    const key = `${name}:${symbol}`;
    if (seen.has(key)) continue;
    const cause = CAUSES.find((c) => c.types.includes(r.type));
    const culprits = cause ? flags.filter((f) => cause.flags.test(f)) : [];
    const fix = culprits.length ? `caused by ${culprits.map((f) => `'${f}'`).join(', ')} in the build's flags: remove it` : cause ? `${cause.why}: find the flag that asks for it` : 'find the flag that asks for it';
    seen.set(key, { check: 'relocation', message: `${name} against ${symbol} in ${section.name}: the x86_64 module loader cannot apply it (insmod: "Unknown rela relocation: ${r.type}"); ${fix}` });
  }
  return [...seen.values()];
}

/** The symbols a tree exports to modules: the second column of Module.symvers. */
export function exportedSymbols(tree: KernelTree): Set<string> {
  const file = join(tree.dir, 'Module.symvers');
  if (!existsSync(file)) return new Set();
  return new Set(readFileSync(file, 'utf8').split('\n').map((l) => l.split('\t')[1]).filter(Boolean));
}

/**
 * Undefined symbols the kernel does not export: the module would not load ("Unknown symbol").
 * `provided` are defined by the module's other objects.
 */
export function checkUndefinedSymbols(elf: ElfObject, tree: KernelTree, provided: ReadonlySet<string> = new Set()): KernelViolation[] {
  const exported = exportedSymbols(tree);
  if (!exported.size) return [];
  return elf.symbols
    // A weak reference (the runtime's optional local_lto_panic) need not be exported: the loader leaves it 0.
    .filter((s) => s.shndx === 0 && s.bind !== STB_LOCAL && s.bind !== STB_WEAK && s.name && s.type !== STT_SECTION)
    .filter((s) => !exported.has(s.name) && !provided.has(s.name))
    .map((s) => ({ check: 'undefined-symbol' as const, message: `undefined symbol ${demangleRust(s.name)} is not exported by the kernel ${tree.release} (Module.symvers): the module would not load ("Unknown symbol")` }));
}

/** Whether a function carries one hardening mark. */
function hasMark(a: FunctionAttributes, mark: Hardening['marks'][number]): boolean {
  if ('attribute' in mark) return a.enums.has(mark.attribute);
  return (a.strings.get('target-features') ?? '').split(',').includes(`+${mark.feature}`);
}

/**
 * Lost hardening: the tree's hardening that its C helpers carry (kbuild's flags) and the
 * Rust functions lack. One line per kind, with the rustc flags that give it (real flag names)
 * and up to three functions; a Rust function that inlines a helper runs the helper's code
 * without it (ARCHITECTURE F12).
 */
export function checkLostHardening(
  tree: KernelTree,
  rust: ReadonlyMap<string, FunctionAttributes>,
  rustDefined: readonly string[],
  helpers: ReadonlyArray<ReadonlyMap<string, FunctionAttributes>>,
): KernelViolation[] {
  const out: KernelViolation[] = [];
  for (const h of X86_HARDENING) {
    const helperHas = h.marks.filter((m) => helpers.some((mod) => [...mod.values()].some((a) => hasMark(a, m))));
    if (!helperHas.length && !configEnabled(tree.config, h.config)) continue;
    const marks = helperHas.length ? helperHas : h.marks;
    const lacking = rustDefined.filter((f) => rust.has(f) && marks.some((m) => !hasMark(rust.get(f)!, m)));
    if (!lacking.length) continue;
    const names = lacking.slice(0, 3).map(demangleRust).join(', ') + (lacking.length > 3 ? ` and ${lacking.length - 3} more` : '');
    const what = marks.map((m) => ('attribute' in m ? m.attribute : `+${m.feature}`)).join(', ');
    out.push({ check: 'hardening', message: `lost hardening: the tree has ${h.config} (C helpers get ${what}) but Rust function(s) ${names} lack it; rustc needs ${h.rustc.join(' ')} (RUSTC_BOOTSTRAP=1 on a stable rustc)` });
  }
  return out;
}

/**
 * objtool, as kbuild runs it on a module object of this tree (its arguments read from kbuild,
 * src/kernel/kbuild-flags.ts), on a copy: objtool rewrites what it checks. Every line it
 * prints is a violation (kbuild only warns; the kernel's build treats them as bugs).
 */
export async function runObjtool(objtool: readonly string[], object: string, shownAs: string, verbose: boolean): Promise<KernelViolation[]> {
  if (!objtool.length) return [];
  const dir = mkdtempSync(join(tmpdir(), 'local-lto-objtool-'));
  try {
    const copy = join(dir, 'module-object.o');
    copyFileSync(object, copy);
    if (verbose) taskOutput.log(`$ ${formatCommandLine(objtool[0], [...objtool.slice(1), copy])}`);
    const r = await spawnTool(objtool[0], [...objtool.slice(1), copy]);
    // An object linked from several files (the `calls` build) makes objtool say it switches
    // to --link mode; that is a note about how it reads the object, not a finding.
    const lines = String(r.all ?? '').split('\n').map((l) => l.split(copy).join(shownAs).trim()).filter((l) => l && !/Linked object detected, forcing --link/.test(l));
    if (r.failed && !lines.length) lines.push(`objtool exited with code ${r.exitCode}`);
    return lines.map((message) => ({ check: 'objtool' as const, message: `objtool: ${message}` }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Registers whose state the kernel does not save for module code: SSE/AVX/AVX-512, MMX, x87, AVX-512 masks. */
const SIMD_REGISTER = /%(?:[xyz]mm\d+|mm\d|st(?:\(\d\))?|k[0-7])\b/;

/**
 * No SIMD or FPU register in the machine code (`llvm-objdump -d` text): kernel code runs with
 * the user's FPU state live. One line naming up to three functions that use one.
 */
export function checkSimdRegisters(disassembly: string): KernelViolation[] {
  const users = new Map<string, string>();
  let fn = '';
  for (const line of disassembly.split('\n')) {
    const head = /^[0-9a-f]+ <(.+)>:$/.exec(line);
    if (head) fn = head[1];
    else if (fn && !users.has(fn)) {
      const reg = SIMD_REGISTER.exec(line.split('#')[0]);
      if (reg) users.set(fn, reg[0]);
    }
  }
  if (!users.size) return [];
  const named = [...users].slice(0, 3).map(([f, r]) => `${demangleRust(f)} (${r})`).join(', ');
  return [{ check: 'simd', message: `SIMD/FPU registers in kernel code: ${named}${users.size > 3 ? ` and ${users.size - 3} more function(s)` : ''}; the kernel does not save their state: build that code without SSE/AVX/x87 (the tree's flags)` }];
}
