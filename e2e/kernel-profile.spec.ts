/**
 * The kernel profile end to end on a real kernel tree (Debian's linux-headers-<abi>-amd64, or
 * $LOCAL_LTO_KERNEL_DIR): two drivers generated with `--profile=kernel`, built by `nx run
 * <d>:module` (local-LTO object, the calls object, kbuild's .ko files), then judged on the
 * objects as the module loader sees them. Booting the modules is the `test` target's job.
 */
import { execa } from 'execa';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElfObject, readElf, SHF_EXECINSTR, STT_SECTION } from '../packages/nx-local-lto/src/elf/elf';
import type { InlineReport } from '../packages/nx-local-lto/src/inline/report';
import { resolveKernelTree } from '../packages/nx-local-lto/src/kernel/tree';
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

const DRIVERS = { k1: 'scale,mix,hash', k2: 'scale' };

/**
 * Code added to a generated driver: a static refcount (data relocations, the positive control
 * of the GOT/PLT check) used through the generated `Refcount` and its refcount helpers.
 */
const refcountUser = (prefix: string) => `
static COUNT: Refcount = Refcount::new(1);

#[no_mangle]
pub extern "C" fn ${prefix}_get_put() -> bool {
    COUNT.inc();
    COUNT.dec_and_test()
}
`;

/** Relocation types of `elf` the module loader has no case for. */
function foreignRelocations(elf: ElfObject): number[] {
  return [...new Set(elf.relocations.map((r) => r.type))].filter((t) => !MODULE_LOADER_RELOCATIONS.has(t));
}

describe('kernel profile (real kernel tree)', () => {
  let ws: string;
  let release: string;
  const names = Object.keys(DRIVERS);
  const objects = () => names.map((d) => join(ws, 'dist/drivers', d, `${d}.o`));
  const report = (d: string): InlineReport => JSON.parse(readFileSync(join(ws, 'dist/drivers', d, 'inline-report.json'), 'utf8'));
  const sites = (d: string) => report(d).helpers.flatMap((h) => h.callSites.map((c) => `${h.symbol}<-${c.caller}:${c.verdict}`));

  beforeAll(async () => {
    ws = await copyWorkspace('local-lto-kernel-');
    release = resolveKernelTree(undefined, ws).release;
    const env = isolatedNxEnv();
    for (const [d, helpers] of Object.entries(DRIVERS)) {
      const g = await nx(ws, ['g', 'nx-local-lto:driver', d, '--profile=kernel', `--helpers=${helpers}`, '--no-interactive'], env);
      if (g.exitCode !== 0) throw new Error(`generator failed:\n${g.all}`);
      appendFileSync(join(ws, 'drivers', d, 'src/lib.rs'), refcountUser(d));
    }
    const run = await nx(ws, ['run-many', '-t', 'module', '-p', ...names, '--outputStyle=static'], env);
    if (run.exitCode !== 0) throw new Error(`nx run-many -t module failed:\n${run.all}`);
  });

  afterAll(() => {
    if (ws && !process.env.KEEP_TEMP) rmSync(ws, { recursive: true, force: true });
  });

  it('inlines every helper, the refcount helpers included, and the object has none left', async () => {
    for (const d of names) {
      expect(sites(d)).toEqual(
        expect.arrayContaining([
          `rust_helper_refcount_inc<-${d}_get_put:inlined`,
          `rust_helper_refcount_dec_and_test<-${d}_get_put:inlined`,
          `rust_helper_refcount_set<-${d}_refcount_cycle:inlined`,
          `rust_helper_refcount_read<-${d}_refcount_cycle:inlined`,
          `rust_helper_scale<-${d}_scale:inlined`,
        ]),
      );
      expect(sites(d).filter((s) => !s.endsWith(':inlined'))).toEqual([]);
      expect(report(d).summary.calls).toBe(0);
      // llvm-objdump agrees: no call to a helper, no helper symbol. The calls object of the same
      // bitcode has them (positive control of the check).
      const lto = await execa('llvm-objdump-22', ['-dr', join(ws, 'dist/drivers', d, `${d}.o`)]);
      const calls = await execa('llvm-objdump-22', ['-dr', join(ws, 'dist/drivers', d, 'calls', `${d}.o`)]);
      expect(lto.stdout).not.toMatch(/rust_helper_/);
      expect(calls.stdout).toMatch(/R_X86_64_PLT32\s+rust_helper_refcount_inc/);
    }
    expect(sites('k1')).toEqual(expect.arrayContaining(['rust_helper_mix<-k1_mix:inlined', 'rust_helper_hash<-k1_hash:inlined']));
  });

  it('has only relocation types the kernel module loader accepts, and no GOT or PLT access to data', async () => {
    for (const obj of objects()) {
      const elf: ElfObject = readElf(obj);
      expect(foreignRelocations(elf)).toEqual([]);
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
    // Positive control of the relocation check: -fno-plt makes a call to a kernel export go
    // through the GOT, R_X86_64_GOTPCRELX (41), which the loader refuses.
    const dir = mkdtempSync(join(tmpdir(), 'local-lto-noplt-'));
    try {
      writeFileSync(join(dir, 'noplt.c'), 'extern void refcount_warn_saturate(void *r, int t);\nvoid f(void *r) { refcount_warn_saturate(r, 1); }\n');
      await execa('clang-22', ['-O2', '-fno-pic', '-fno-plt', '-c', join(dir, 'noplt.c'), '-o', join(dir, 'noplt.o')]);
      expect(foreignRelocations(readElf(join(dir, 'noplt.o')))).toEqual([41]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
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

  it('two kernel drivers link together with ld.lld -r, no helper symbol left', async () => {
    const both = join(ws, 'both.o');
    const link = await execa('ld.lld-22', ['-r', ...objects(), '-o', both], { reject: false });
    expect(link.stderr).toBe('');
    expect(link.exitCode).toBe(0);
    const { stdout } = await execa('llvm-nm-22', [both]);
    expect(stdout).not.toMatch(/rust_helper_/);
    expect(stdout).toMatch(/ T k1_get_put$/m);
    expect(stdout).toMatch(/ T k2_get_put$/m);
    expect(stdout).toMatch(/ U refcount_warn_saturate$/m);
  });

  it("nx run <d>:module makes .ko files whose modinfo shows the tree's release", async () => {
    expect(release).toMatch(/^\d+\.\d+\.\d+/);
    for (const d of names) {
      for (const mod of [d, `${d}_calls`]) {
        const ko = join(ws, 'dist/drivers', d, `${mod}.ko`);
        const field = async (f: string) => (await execa('modinfo', ['-F', f, ko])).stdout.trim();
        expect(await field('vermagic')).toMatch(new RegExp(`^${release.replace(/\./g, '\\.')} `));
        expect(await field('name')).toBe(mod);
        expect(await field('license')).toBe('GPL');
      }
      // The loadable module holds the Rust code with every helper inlined; the calls one keeps them.
      expect((await execa('llvm-nm-22', [join(ws, 'dist/drivers', d, `${d}.ko`)])).stdout).not.toMatch(/rust_helper_/);
      expect((await execa('llvm-nm-22', [join(ws, 'dist/drivers', d, `${d}_calls.ko`)])).stdout).toMatch(/ t rust_helper_scale$/m);
    }
  });
});
