/**
 * Command lines of the kernel steps, as pure functions (the kbuild twin of commands.ts).
 * kbuild itself computes every C flag and links the module; we only say which compiler.
 */
import { basename } from 'node:path';

export interface KbuildCompiler {
  /** clang to drive kbuild with (path or name). */
  clang: string;
  /** Its version as kbuild's CONFIG_CLANG_VERSION spells it: 22.1.8 -> 220108. */
  version: { major: number; minor: number; patch: number };
}

/**
 * KBUILD-VARS: the make variables that make kbuild compile with clang in a tree. A tree
 * configured for GCC (Debian's: `.kernelvariables` sets `CC = gcc-12`) also needs its
 * compiler facts overridden, or clang gets GCC-only flags (`-fconserve-stack`,
 * `-mrecord-mcount`, `-Wimplicit-fallthrough=5`) and no retpoline flags (ARCHITECTURE F10).
 */
export function kbuildMakeVars(c: KbuildCompiler, treeCompiler: 'gcc' | 'clang' | 'unknown'): string[] {
  const suffix = /-(\d+)$/.exec(basename(c.clang));
  const version = String(c.version.major * 10000 + c.version.minor * 100 + c.version.patch);
  return [
    `CC=${c.clang}`,
    `LLVM=${suffix ? `-${suffix[1]}` : '1'}`,
    ...(treeCompiler === 'clang'
      ? []
      : [
          'CONFIG_CC_IS_GCC=',
          'CONFIG_GCC_VERSION=0',
          'CONFIG_CC_IS_CLANG=y',
          `CONFIG_CLANG_VERSION=${version}`,
          'CONFIG_CC_IMPLICIT_FALLTHROUGH=-Wimplicit-fallthrough',
          'CONFIG_FTRACE_MCOUNT_USE_CC=',
          'CONFIG_FTRACE_MCOUNT_USE_OBJTOOL=y',
        ]),
  ];
}

/** KBUILD: `make -C <tree> M=<dir> <vars> <goals>`, kbuild's external-module build. */
export function kbuildArgs(treeDir: string, moduleDir: string, vars: readonly string[], goals: readonly string[]): string[] {
  return ['-C', treeDir, `M=${moduleDir}`, ...vars, ...goals];
}
