import { FunctionAttributes } from '../bitcode/attributes';
import { ElfObject } from '../elf/elf';
import { dirname } from 'node:path';
import { runTool } from '../process/run-tool';
import { checkLoaderRelocations, checkLostHardening, checkSimdRegisters, checkUndefinedSymbols, KernelViolation, runObjtool } from './object-checks';
import { KernelTree } from './tree';
import { disassembleObjectArgs } from '../pipeline/inspect-commands';

export interface KernelObjectFacts {
  /** Absolute path of the object (objtool reads a copy of it). */
  object: string;
  /** The object's name in messages (its final, workspace-relative path). */
  shownAs: string;
  elf: ElfObject;
  tree: KernelTree;
  /** objtool and the tree's arguments for a module object (kbuild-flags.ts). */
  objtool: readonly string[];
  /** The flags the object was built with (manifest cflags and rustflags): a fault names the one that caused it. */
  flags: readonly string[];
  /** Function attributes of the Rust bitcode and of each helper module, and the Rust functions defined. */
  rust?: { attributes: ReadonlyMap<string, FunctionAttributes>; defined: readonly string[] };
  helpers: ReadonlyArray<ReadonlyMap<string, FunctionAttributes>>;
  /** llvm-objdump of the toolchain: the SIMD register check reads the machine code. */
  objdump: string;
  verbose: boolean;
}

/**
 * The object checked as the kernel will see it: relocations the loader applies, symbols the
 * kernel exports, no hardening lost between helpers and Rust, no SIMD/FPU register, and
 * objtool with the tree's arguments. Each violation is one line.
 */
export async function kernelObjectViolations(f: KernelObjectFacts): Promise<KernelViolation[]> {
  return [
    ...checkLoaderRelocations(f.elf, f.flags),
    ...checkUndefinedSymbols(f.elf, f.tree),
    ...(f.rust ? checkLostHardening(f.tree, f.rust.attributes, f.rust.defined, f.helpers) : []),
    ...checkSimdRegisters((await runTool(f.objdump, disassembleObjectArgs(f.object), { cwd: dirname(f.object), verbose: f.verbose })).stdout),
    ...(await runObjtool(f.objtool, f.object, f.shownAs, f.verbose)),
  ];
}
