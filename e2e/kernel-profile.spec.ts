import { execa } from 'execa';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ElfObject, readElf, SHF_EXECINSTR, STT_SECTION } from '../packages/nx-local-lto/src/elf/elf';
import type { InlineReport } from '../packages/nx-local-lto/src/inline/report';
import { copyWorkspace, isolatedNxEnv, nx } from './support/workspace';

/**
 * Relocation types the x86_64 kernel module loader applies: the cases of
 * __write_relocate_add() in arch/x86/kernel/module.c (Linux 6.x). Anything else makes
 * the module fail to load ("Unknown rela relocation").
 */
const MODULE_LOADER_RELOCATIONS = new Map([
  [0, 'R_X86_64_NONE'], [1, 'R_X86_64_64'], [2, 'R_X86_64_PC32'], [4, 'R_X86_64_PLT32'],
  [10, 'R_X86_64_32'], [11, 'R_X86_64_32S'], [24, 'R_X86_64_PC64'],
]);
const R_X86_64_PLT32 = 4;
const STT_OBJECT = 1;

/** Code added to a generated driver: a static refcount (data relocations) and the library's refcount helpers. */
const refcountUser = (prefix: string) => `
#[repr(C)]
pub struct Refcount { refs: core::cell::UnsafeCell<i32> }
// SAFETY: the count is only changed through the helpers' atomics.
unsafe impl Sync for Refcount {}
extern "C" {
    fn rust_helper_refcount_inc(r: *mut Refcount);
    fn rust_helper_refcount_dec_and_test(r: *mut Refcount) -> bool;
    fn external_kernel_function(v: u32);
}
static COUNT: Refcount = Refcount { refs: core::cell::UnsafeCell::new(1) };
#[no_mangle]
pub extern "C" fn ${prefix}_get_put(v: u32) -> bool {
    let r = &COUNT as *const Refcount as *mut Refcount;
    unsafe {
        rust_helper_refcount_inc(r);
        external_kernel_function(v);
        rust_helper_refcount_dec_and_test(r)
    }
}
`;

describe('kernel profile', () => {
  let ws: string;
  const objects = () => ['k1', 'k2'].map((d) => join(ws, 'dist/drivers', d, `${d}.o`));

  beforeAll(async () => {
    ws = await copyWorkspace('local-lto-kernel-');
    const env = isolatedNxEnv();
    for (const d of ['k1', 'k2']) {
      const g = await nx(ws, ['g', 'nx-local-lto:driver', d, '--profile=kernel', '--helpers=scale', '--libs=kernel-helpers', '--no-interactive'], env);
      if (g.exitCode !== 0) throw new Error(`generator failed:\n${g.all}`);
      appendFileSync(join(ws, 'drivers', d, 'src/lib.rs'), refcountUser(d));
    }
    const run = await nx(ws, ['run-many', '-t', 'build', '-p', 'k1', 'k2', '--outputStyle=static'], env);
    if (run.exitCode !== 0) throw new Error(`nx build failed:\n${run.all}`);
  });

  it('inlines every helper, the library refcount helpers included', () => {
    for (const d of ['k1', 'k2']) {
      const report: InlineReport = JSON.parse(readFileSync(join(ws, 'dist/drivers', d, 'inline-report.json'), 'utf8'));
      const sites = report.helpers.flatMap((h) => h.callSites.map((c) => `${h.symbol}<-${c.caller}:${c.verdict}`));
      expect(sites).toEqual(expect.arrayContaining([`rust_helper_refcount_inc<-${d}_get_put:inlined`, `rust_helper_refcount_dec_and_test<-${d}_get_put:inlined`, `rust_helper_scale<-${d}_scale:inlined`]));
      expect(sites.filter((s) => !s.endsWith(':inlined'))).toEqual([]);
    }
  });

  it('has only relocation types the kernel module loader accepts, and no GOT or PLT access to data', () => {
    for (const obj of objects()) {
      const elf: ElfObject = readElf(obj);
      const types = new Set(elf.relocations.map((r) => r.type));
      for (const t of types) expect(MODULE_LOADER_RELOCATIONS.has(t) ? t : `unexpected relocation type ${t} in ${obj}`).toBe(t);
      const dataViaPlt = elf.relocations.filter((r) => {
        if (r.type !== R_X86_64_PLT32) return false;
        const sym = elf.symbols[r.symbol];
        const section = sym.type === STT_SECTION ? elf.sections[sym.shndx] : undefined;
        return sym.type === STT_OBJECT || (section !== undefined && (section.flags & SHF_EXECINSTR) === 0);
      });
      expect(dataViaPlt).toEqual([]);
      // Positive control that the data access is really there: a relocation against the static.
      const targetName = (i: number) => (elf.symbols[i].type === STT_SECTION ? elf.sections[elf.symbols[i].shndx].name : elf.symbols[i].name);
      expect(elf.relocations.some((r) => targetName(r.symbol).includes('COUNT'))).toBe(true);
    }
  });

  it('uses no SSE/AVX register', async () => {
    const pattern = /%[xyz]mm\d/;
    for (const obj of objects()) {
      const { stdout } = await execa('llvm-objdump-22', ['-d', obj]);
      expect(stdout).toMatch(/_get_put>:/);
      expect(stdout).not.toMatch(pattern);
    }
    // Positive control: the same check sees SSE registers in user-space floating point code.
    const { stdout } = await execa('bash', ['-c', 'printf "double f(double x){return x*2.5;}" | clang-22 -O2 -x c -c - -o /dev/stdout | llvm-objdump-22 -d -']);
    expect(stdout).toMatch(pattern);
  });

  it('two kernel drivers sharing a helper library link together with ld.lld -r', async () => {
    const both = join(ws, 'both.o');
    const link = await execa('ld.lld-22', ['-r', ...objects(), '-o', both], { reject: false });
    expect(link.stderr).toBe('');
    expect(link.exitCode).toBe(0);
    const { stdout } = await execa('llvm-nm-22', ['--extern-only', '--defined-only', both]);
    expect(stdout).not.toMatch(/rust_helper_/);
    expect(stdout).toMatch(/ T k1_get_put$/m);
    expect(stdout).toMatch(/ T k2_get_put$/m);
  });
});
