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
 * `-Wimplicit-fallthrough=5`) and no retpoline flags (ARCHITECTURE F10).
 *
 * ftrace: such a kernel was built with GCC's `-mrecord-mcount`, so it expects each module's
 * `call __fentry__` sites recorded in `__mcount_loc` and still calls, which it turns into NOPs
 * at load. clang has no `-mrecord-mcount` on x86; kbuild's `recordmcount` does the same job.
 * (F10's FTRACE_MCOUNT_USE_OBJTOOL makes objtool NOP the sites at build time and define
 * CC_USING_NOP_MCOUNT: the module loads, but ftrace WARNs in ftrace_verify_code on a NOP
 * where it expects the call, seen in QEMU.) A kernel built with `-mnop-mcount`
 * (CONFIG_HAVE_NOP_MCOUNT) expects NOPs: objtool then does it.
 */
export function kbuildMakeVars(c: KbuildCompiler, treeCompiler: 'gcc' | 'clang' | 'unknown', config: ReadonlyMap<string, string> = new Map()): string[] {
  const suffix = /-(\d+)$/.exec(basename(c.clang));
  const version = String(c.version.major * 10000 + c.version.minor * 100 + c.version.patch);
  const mcount = config.get('CONFIG_FTRACE_MCOUNT_USE_CC') === 'y'
    ? ['CONFIG_FTRACE_MCOUNT_USE_CC=', config.get('CONFIG_HAVE_NOP_MCOUNT') === 'y' ? 'CONFIG_FTRACE_MCOUNT_USE_OBJTOOL=y' : 'CONFIG_FTRACE_MCOUNT_USE_RECORDMCOUNT=y']
    : [];
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
          ...mcount,
        ]),
  ];
}

/** KBUILD: `make -C <tree> M=<dir> <vars> <goals>`, kbuild's external-module build. */
export function kbuildArgs(treeDir: string, moduleDir: string, vars: readonly string[], goals: readonly string[]): string[] {
  return ['-C', treeDir, `M=${moduleDir}`, ...vars, ...goals];
}

/** One module kbuild links: its name, the local-LTO object and the C glue files (module_init...). */
export interface KbuildModule {
  name: string;
  /** File name of the prebuilt object inside the module's folder. */
  objectFile: string;
  /** File names of the glue sources inside the module's folder. */
  glue: string[];
}

/**
 * The Kbuild file of one module built from a prebuilt object. modpost (MODVERSIONS) reads a
 * `.<obj>.cmd` for every object of a module, so the object is made by an if_changed rule
 * (which writes that record), and the rule runs kbuild's objtool on it like any module object
 * (ARCHITECTURE F13; a plain `_shipped` file fails modpost).
 */
export function kbuildModuleFile(m: KbuildModule, ccflags: readonly string[]): string {
  const lto = `${m.name}_lto.o`;
  return [
    `obj-m := ${m.name}.o`,
    `${m.name}-y := ${[...m.glue.map((g) => g.replace(/\.c$/, '.o')), lto].join(' ')}`,
    ...(ccflags.length ? [`ccflags-y := ${ccflags.join(' ')}`] : []),
    `targets += ${lto}`,
    `quiet_cmd_local_lto_object = LOCAL-LTO $@`,
    // objtool and recordmcount, as kbuild runs them after compiling a C file (rule_cc_o_c);
    // `true` closes the command, as cmd_record_mcount ends in ';' and if_changed appends '; ...'.
    `      cmd_local_lto_object = cat $< > $@ $(cmd_objtool); $(cmd_record_mcount) true`,
    `$(obj)/${lto}: $(src)/${m.objectFile} FORCE`,
    `\t$(call if_changed,local_lto_object)`,
    '',
  ].join('\n');
}
