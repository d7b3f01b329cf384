import { execa } from 'execa';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { debianDefaultTree } from '../packages/nx-local-lto/src/kernel/tree';
import { ranTasks, taskSections } from './support/nx-output';
import { copyWorkspace, isolatedNxEnv, nx } from './support/workspace';

/**
 * The sample kernel module (drivers/kuid-kmod) against Debian's real kernel tree, judged by
 * the real tools: kbuild, objtool and modpost build the .ko, the kernel of the tree's release
 * loads it in QEMU. Negative controls: -fno-plt (GOT relocations the loader refuses: nx build
 * fails, and forced through, the real kernel refuses it) and Rust without the return thunk.
 */
describe('kernel module (real tree, real kernel)', () => {
  let ws: string;
  const env = isolatedNxEnv();
  const drv = () => join(ws, 'drivers/kuid-kmod');
  const manifest = () => JSON.parse(readFileSync(join(drv(), 'local-lto.json'), 'utf8'));
  const writeManifest = (m: object) => writeFileSync(join(drv(), 'local-lto.json'), JSON.stringify(m, null, 2));
  let original: Record<string, unknown>;
  let first: Awaited<ReturnType<typeof nx>>;

  beforeAll(async () => {
    if (!debianDefaultTree()) throw new Error('no kernel tree: run scripts/setup.sh (installs linux-headers-amd64)');
    ws = await copyWorkspace('local-lto-kmod-');
    original = manifest();
    first = await nx(ws, ['test', 'kuid-kmod', '--outputStyle=static', '--verbose'], env);
  });
  afterAll(() => rmSync(ws, { recursive: true, force: true }));

  it('builds: every helper inlined (report and llvm-objdump agree), kernel checks clean, kbuild makes both .ko', async () => {
    if (first.exitCode !== 0) throw new Error(first.all);
    const report = JSON.parse(readFileSync(join(ws, 'dist/drivers/kuid-kmod/inline-report.json'), 'utf8'));
    const sites = report.helpers.flatMap((h: { callSites: Array<{ verdict: string }> }) => h.callSites);
    expect(sites.length).toBeGreaterThanOrEqual(9);
    // No call is left: each is inlined, or folded (ERR_PTR/IS_ERR/PTR_ERR of constants are computed at compile time).
    expect(sites.filter((s: { verdict: string }) => s.verdict === 'call')).toEqual([]);
    expect(sites.filter((s: { verdict: string }) => s.verdict === 'inlined').length).toBeGreaterThanOrEqual(9);
    expect(report.kernel).toEqual(expect.objectContaining({ release: expect.stringMatching(/-amd64$/), violations: [] }));
    const { stdout } = await execa('llvm-objdump-22', ['-dr', join(ws, 'dist/drivers/kuid-kmod/kuid-kmod.o')]);
    expect(stdout).toMatch(/<kuid_kmod_selftest>:/);
    expect(stdout).toMatch(/R_X86_64_PLT32\s+make_kuid/); // the helpers' kernel calls are there...
    expect(stdout).not.toMatch(/rust_helper_/); // ...and no helper is left, not even as a symbol
    expect(stdout).toMatch(/__x86_return_thunk/); // Rust returns through the tree's return thunk
    // Positive control: the calls build of the same bitcode keeps every helper as a call.
    const calls = await execa('llvm-objdump-22', ['-dr', join(ws, 'dist/drivers/kuid-kmod/calls/kuid-kmod.o')]);
    expect(calls.stdout).toMatch(/R_X86_64_PLT32\s+\.text\.rust_helper_make_kuid|R_X86_64_PLT32\s+rust_helper_make_kuid/);
    const module = taskSections(first.all).get('kuid-kmod:module')!.text;
    expect(module).toMatch(/vermagic:\s+\S+-amd64 SMP/);
    expect(module).not.toMatch(/WARNING: modpost|objtool: .*warning/);
  });

  it('loads in the real kernel: both modules print every check passing, with the same values', () => {
    const test = taskSections(first.all).get('kuid-kmod:test')!.text;
    expect(test).toMatch(/all 6 checks passed/);
    expect(test).toMatch(/roundtrip 1000/);
    expect(test).toMatch(/kuid_kmod_calls/);
  });

  it('a second run is served from the cache', async () => {
    const again = await nx(ws, ['test', 'kuid-kmod', '--outputStyle=static'], env);
    expect(again.exitCode).toBe(0);
    expect(ranTasks(taskSections(again.all))).toEqual([]);
  });

  it('-fno-plt fails nx build naming the GOT relocation and the flag; forced through, the real kernel refuses the module', async () => {
    writeManifest({ ...original, cflags: ['-fno-plt'] });
    const failed = await nx(ws, ['build', 'kuid-kmod', '--outputStyle=static'], env);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.all).toMatch(/R_X86_64_(REX_)?GOTPCRELX against make_kuid .*caused by '-fno-plt'/);

    writeManifest({ ...original, cflags: ['-fno-plt'], kernelPolicy: 'warn' });
    writeFileSync(join(drv(), 'project.json'), JSON.stringify({
      targets: {
        refused: {
          executor: 'nx-local-lto:vm-test',
          dependsOn: ['module'],
          options: { modules: ['dist/drivers/kuid-kmod/kuid_kmod.ko'], expectLoadFailure: 'Unknown rela relocation' },
        },
      },
    }));
    const refused = await nx(ws, ['run', 'kuid-kmod:refused', '--outputStyle=static'], env);
    if (refused.exitCode !== 0) throw new Error(refused.all);
    expect(refused.all).toMatch(/Unknown rela relocation: 4[12]/);
    rmSync(join(drv(), 'project.json'));
    writeManifest(original);
  });

  it('Rust built without the return thunk in a RETHUNK tree fails naming the lost hardening and the rustc flag', async () => {
    writeManifest({ ...original, rustflags: ['-Zfunction-return=keep'] });
    const r = await nx(ws, ['build', 'kuid-kmod', '--outputStyle=static'], env);
    writeManifest(original);
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(/lost hardening: the tree has CONFIG_RETHUNK .* rustc needs -Zfunction-return=thunk-extern/);
    expect(r.all).toMatch(/'naked' return found in RETHUNK build/); // objtool agrees
  });

  it('a changed .config value or tree header is a miss for exactly the kernel targets', async () => {
    // A private copy of the tree (its objtree: .config, generated headers; the sources stay Debian's).
    const tree = join(mkdtempSync(join(tmpdir(), 'local-lto-tree-')), 'linux-headers');
    const debian = debianDefaultTree()!;
    cpSync(debian, tree, { recursive: true, verbatimSymlinks: true });
    for (const link of ['scripts', 'tools']) {
      const target = resolve(debian, readlinkSync(join(debian, link)));
      rmSync(join(tree, link));
      symlinkSync(target, join(tree, link));
    }
    writeManifest({ ...original, kernelDir: tree });
    const targets = ['-t', 'build', '-p', 'kuid-kmod', 'kuid', '--outputStyle=static'];
    const cold = await nx(ws, ['run-many', ...targets], env);
    if (cold.exitCode !== 0) throw new Error(cold.all);
    expect(ranTasks(taskSections((await nx(ws, ['run-many', ...targets], env)).all))).toEqual([]);

    const config = readFileSync(join(tree, '.config'), 'utf8');
    writeFileSync(join(tree, '.config'), config.replace(/^CONFIG_DEFAULT_HOSTNAME=.*$/m, 'CONFIG_DEFAULT_HOSTNAME="local-lto"'));
    const afterConfig = await nx(ws, ['run-many', ...targets], env);
    if (afterConfig.exitCode !== 0) throw new Error(afterConfig.all);
    expect(ranTasks(taskSections(afterConfig.all))).toEqual(['kuid-kmod:build', 'kuid-kmod:clang-bc', 'kuid-kmod:rust-bc']);

    // rwonce.h is included more than once (no guard of its own): guard the addition.
    appendFileSync(join(tree, 'arch/x86/include/generated/asm/rwonce.h'), '\n#ifndef LOCAL_LTO_MARKER\n#define LOCAL_LTO_MARKER\nstatic inline int local_lto_tree_marker(void) { return 1; }\n#endif\n');
    const afterHeader = await nx(ws, ['run-many', ...targets], env);
    if (afterHeader.exitCode !== 0) throw new Error(afterHeader.all);
    expect(ranTasks(taskSections(afterHeader.all))).toContain('kuid-kmod:clang-bc');
    expect(ranTasks(taskSections(afterHeader.all)).filter((t) => !t.startsWith('kuid-kmod:'))).toEqual([]);
    writeManifest(original);
  });
});
