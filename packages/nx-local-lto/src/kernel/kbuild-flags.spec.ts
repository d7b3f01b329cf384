import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { kbuildMakeVars } from '../pipeline/kernel-commands';
import { kbuildFlags, parseKbuildCommand } from './kbuild-flags';
import { kernelRustFlags } from './rust-flags';
import { parseKernelConfig, resolveKernelTree } from './tree';

/** On Debian's real tree (scripts/setup.sh installs linux-headers-amd64) with clang-22. */
describe('kernel tree: flags from kbuild and .config', () => {
  const ws = mkdtempSync(join(tmpdir(), 'local-lto-kbuild-spec-'));
  afterAll(() => rmSync(ws, { recursive: true, force: true }));
  const tree = resolveKernelTree(undefined, ws);

  it('finds the tree and its release (UTS_RELEASE, not include/config/kernel.release)', () => {
    expect(tree.release).toMatch(/^\d+\.\d+\.\d+-\d+-amd64$/);
    expect(tree.config.get('CONFIG_X86_64')).toBe('y');
  });

  it("gets kbuild's clang flags for a module: hardening, -DMODULE, absolute includes, no GCC-only flag", async () => {
    const { stdout } = await execa('clang-22', ['--version']);
    const [, major, minor, patch] = /(\d+)\.(\d+)\.(\d+)/.exec(stdout)!;
    const f = await kbuildFlags(tree, { clang: 'clang-22', version: { major: +major, minor: +minor, patch: +patch } }, false);
    for (const flag of ['-mcmodel=kernel', '-mno-red-zone', '-mfunction-return=thunk-extern', '-mretpoline-external-thunk', '-mharden-sls=all', '-DMODULE', '-D__KERNEL__']) expect(f.cflags).toContain(flag);
    // Positive control of the overrides: GCC-only flags the gcc-configured tree would give.
    for (const gccOnly of ['-fconserve-stack', '-mrecord-mcount', '-Wimplicit-fallthrough=5', '-fno-plt']) expect(f.cflags).not.toContain(gccOnly);
    expect(f.cflags.filter((x) => x.startsWith('-I')).every((x) => x.startsWith('-I/'))).toBe(true);
    expect(f.cflags.some((x) => /^-DKBUILD_MODNAME=|^--target=|^-Wp,-MMD/.test(x))).toBe(false);
    expect(existsSync(f.objtool[0])).toBe(true);
    expect(f.objtool).toEqual(expect.arrayContaining(['--rethunk', '--retpoline', '--module']));
    expect(f.makeVars).toContain('CONFIG_FTRACE_MCOUNT_USE_RECORDMCOUNT=y');
  });

  it('derives the Rust hardening from .config, and drops what the tree does not have', () => {
    const full = kernelRustFlags(tree.config);
    expect(full.flags).toEqual(expect.arrayContaining(['-Ccode-model=kernel', '-Zfunction-return=thunk-extern', '-Zretpoline-external-thunk', '-Ctarget-feature=+harden-sls-ret,+harden-sls-ijmp']));
    expect(full.env).toEqual({ RUSTC_BOOTSTRAP: '1' });
    const none = kernelRustFlags(parseKernelConfig('CONFIG_X86_64=y\n# CONFIG_RETHUNK is not set\n'));
    expect(none.flags.some((f) => (f.startsWith('-Z') && f !== '-Zplt=yes') || f.includes('harden'))).toBe(false);
    // -Zplt=yes is kernel code on any tree (no GOT for memcpy & co.), so rustc always needs RUSTC_BOOTSTRAP.
    expect(none.flags).toContain('-Zplt=yes');
    expect(none.env).toEqual({ RUSTC_BOOTSTRAP: '1' });
  });

  it('overrides a GCC tree for clang, keeping its ftrace convention', () => {
    const c = { clang: '/usr/bin/clang-22', version: { major: 22, minor: 1, patch: 8 } };
    const gcc = parseKernelConfig('CONFIG_CC_IS_GCC=y\nCONFIG_FTRACE_MCOUNT_USE_CC=y\n');
    expect(kbuildMakeVars(c, 'gcc', gcc)).toEqual(expect.arrayContaining(['LLVM=-22', 'CONFIG_CC_IS_CLANG=y', 'CONFIG_CLANG_VERSION=220108', 'CONFIG_FTRACE_MCOUNT_USE_RECORDMCOUNT=y']));
    const nop = parseKernelConfig('CONFIG_CC_IS_GCC=y\nCONFIG_FTRACE_MCOUNT_USE_CC=y\nCONFIG_HAVE_NOP_MCOUNT=y\n');
    expect(kbuildMakeVars(c, 'gcc', nop)).toContain('CONFIG_FTRACE_MCOUNT_USE_OBJTOOL=y');
    expect(kbuildMakeVars(c, 'clang', gcc)).toEqual(['CC=/usr/bin/clang-22', 'LLVM=-22']);
  });

  it("parses kbuild's .cmd record: quoting, relative tree paths, objtool after ';'", () => {
    const text = "cmd_/m/x.o := clang -Wp,-MMD,/m/.x.o.d -nostdinc -I./include -include ./k.h -DFOO='\"a b\"' -DKBUILD_MODNAME='\"x\"' -c -o /m/x.o /m/x.c   ; ./tools/objtool/objtool --orc --module /m/x.o\n";
    expect(parseKbuildCommand(text, '/tree', '/m/x.c', '/m/x.o')).toEqual({
      cflags: ['-nostdinc', '-I/tree/include', '-include', '/tree/k.h', '-DFOO="a b"'],
      objtool: ['/tree/tools/objtool/objtool', '--orc', '--module'],
    });
  });
});
