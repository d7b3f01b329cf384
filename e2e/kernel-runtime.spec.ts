import { execa } from 'execa';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findKernelImage } from '../packages/nx-local-lto/src/kernel/kernel-image';
import { bootSteps } from '../packages/nx-local-lto/src/kernel/vm';
import { debianDefaultTree } from '../packages/nx-local-lto/src/kernel/tree';
import { ranTasks, taskSections } from './support/nx-output';
import { copyWorkspace, isolatedNxEnv, nx } from './support/workspace';

/**
 * The kernel runtime (issue 15) on the sample drivers/histo-kmod: Rust that indexes slices and
 * allocates, built self-contained against Debian's real tree, with core/alloc inside. Judged by
 * the real tools: the plugin's kernel checks and objtool, kbuild/modpost, and the tree's kernel
 * in QEMU, where an out-of-bounds index must go through the kernel's panic path.
 */
describe('kernel runtime (core/alloc in a module, panics into the kernel)', () => {
  let ws: string;
  const env = isolatedNxEnv();
  const drv = () => join(ws, 'drivers/histo-kmod');
  let first: Awaited<ReturnType<typeof nx>>;

  beforeAll(async () => {
    if (!debianDefaultTree()) throw new Error('no kernel tree: run scripts/setup.sh (installs linux-headers-amd64)');
    ws = await copyWorkspace('local-lto-krt-');
    first = await nx(ws, ['test', 'histo-kmod', '--outputStyle=static'], env);
  });
  afterAll(() => rmSync(ws, { recursive: true, force: true }));

  it('builds with core/alloc inside as kernel code: kernel checks and objtool clean, runtime inlined, only kernel exports undefined', async () => {
    if (first.exitCode !== 0) throw new Error(first.all);
    expect(first.all).toMatch(/KERNEL-CORE \d+ function\(s\)/);
    const report = JSON.parse(readFileSync(join(ws, 'dist/drivers/histo-kmod/inline-report.json'), 'utf8'));
    expect(report.kernel).toEqual(expect.objectContaining({ violations: [] }));
    const runtime = report.helpers.filter((h: { symbol: string }) => h.symbol.startsWith('local_lto_rt_'));
    expect(runtime.flatMap((h: { callSites: Array<{ verdict: string }> }) => h.callSites.map((s) => s.verdict))).toEqual(expect.arrayContaining(['inlined']));
    expect(report.summary.requiredCalls).toBe(0);

    const object = join(ws, 'dist/drivers/histo-kmod/histo-kmod.o');
    const { stdout: dis } = await execa('llvm-objdump-22', ['-dr', '--no-show-raw-insn', object]);
    // core's bounds-check panic is in the object, and kmalloc and the kernel's BUG() (ud2) are reached from it.
    expect(dis).toMatch(/<_RNvNtC\w+_4core9panicking18panic_bounds_check>:/);
    expect(dis).toMatch(/R_X86_64_PLT32\s+__kmalloc/);
    expect(dis).toMatch(/\bud2\b/);
    expect(dis).toMatch(/__x86_return_thunk/);
    expect(dis.split('\n').filter((l) => /%[xyz]mm\d|%mm\d|%st\b/.test(l))).toEqual([]);
    const { stdout: undef } = await execa('llvm-nm-22', ['--undefined-only', object]);
    const symvers = new Set(readFileSync(join(debianDefaultTree()!, 'Module.symvers'), 'utf8').split('\n').map((l) => l.split('\t')[1]));
    // Every undefined symbol is a kernel export, except the weak hook the module may define.
    const names = undef.split('\n').map((l) => l.trim().split(/\s+/)).filter((p) => p.length === 2);
    expect(names.filter(([kind, n]) => !symvers.has(n) && kind !== 'w')).toEqual([]);
    expect(names).toContainEqual(['w', 'local_lto_panic']);
  });

  it('loads in the real kernel and prints what both builds (LTO and calls) compute', () => {
    const test = taskSections(first.all).get('histo-kmod:test')!.text;
    expect(test).toMatch(/histo_kmod\.ko \| all 4 checks passed/);
    expect(test).toMatch(/histo_kmod_calls\.ko \| all 4 checks passed/);
  });

  it('an out-of-bounds index goes through the kernel panic path (pr_emerg + BUG()); an index in range is the control', async () => {
    const ko = join(ws, 'dist/drivers/histo-kmod/histo_kmod.ko');
    const image = findKernelImage({}, ws);
    const run = await bootSteps(
      [
        { kind: 'insmod', file: ko, params: ['probe=5'] },
        { kind: 'rmmod', module: 'histo_kmod' },
        { kind: 'insmod', file: ko, params: ['probe=40'] },
      ],
      { image: image.path, timeoutMs: 120000, verbose: false },
    );
    const [good, unload, bad] = run.steps;
    expect(good.status).toBe(0);
    expect(good.log).toContain('histo_kmod: probe 5: 7');
    expect(unload.status).toBe(0);
    expect(bad.status).not.toBe(0);
    // The location rustc recorded: the line and column of the indexing expression in the source.
    const lines = readFileSync(join(drv(), 'src/lib.rs'), 'utf8').split('\n');
    const line = lines.findIndex((l) => l.includes('probe: data[probe]'));
    expect(bad.log).toContain(`histo_kmod: rust panic: panicked at drivers/histo-kmod/src/lib.rs:${line + 1}:${lines[line].indexOf('data[probe]') + 1}:`);
    expect(bad.log).toContain('histo_kmod: rust panic: index out of bounds: the len is 32 but the index is 40');
    expect(run.crashes.join('\n')).toMatch(/kernel BUG at .*local_lto_rt\.c:\d+!/);
    expect(run.crashes.slice(0, 1)).not.toEqual([]);
  }, 180000);

  it('a second run is served from the cache', async () => {
    const again = await nx(ws, ['test', 'histo-kmod', '--outputStyle=static'], env);
    expect(again.exitCode).toBe(0);
    expect(ranTasks(taskSections(again.all))).toEqual([]);
  });

  it('f64 formatting fails rust-bc naming the core function and the Rust code that pulled it in', async () => {
    const lib = join(drv(), 'src/lib.rs');
    const original = readFileSync(lib, 'utf8');
    writeFileSync(lib, `${original}
#[no_mangle]
pub extern "C" fn histo_kmod_mean(sum: u32, n: u32, out: *mut u8) -> usize {
    use core::fmt::Write;
    let mut s = alloc::string::String::new();
    let _ = write!(s, "{}", sum as f64 / n as f64);
    unsafe { core::ptr::copy_nonoverlapping(s.as_ptr(), out, s.len()) };
    s.len()
}
`);
    const r = await nx(ws, ['build', 'histo-kmod', '--outputStyle=static'], env);
    writeFileSync(lib, original);
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(/histo-kmod:rust-bc/);
    expect(r.all).toMatch(/Rust code that cannot run in the kernel .*uses floating point .*pulled in by histo_kmod_mean/);
  });

  it('the lost-hardening check still judges core/alloc: Rust without the return thunk fails, objtool agrees', async () => {
    const file = join(drv(), 'local-lto.json');
    const manifest = readFileSync(file, 'utf8');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(manifest), rustflags: ['-Zfunction-return=keep'] }, null, 2));
    const r = await nx(ws, ['build', 'histo-kmod', '--outputStyle=static'], env);
    writeFileSync(file, manifest);
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(/lost hardening: the tree has CONFIG_RETHUNK .* rustc needs -Zfunction-return=thunk-extern/);
    expect(r.all).toMatch(/'naked' return found in RETHUNK build/);
  });

  it('a local_lto_panic in the module\'s glue sees the panic first, then the kernel path runs', async () => {
    const glue = join(drv(), 'module/histo_kmod_main.c');
    const original = readFileSync(glue, 'utf8');
    writeFileSync(glue, `${original}
void local_lto_panic(const char *msg, size_t len)
{
\tpr_emerg("glue hook: %zu bytes, starting '%.9s'\\n", len, msg);
}
`);
    const built = await nx(ws, ['run', 'histo-kmod:module', '--outputStyle=static'], env);
    writeFileSync(glue, original);
    if (built.exitCode !== 0) throw new Error(built.all);
    const run = await bootSteps([{ kind: 'insmod', file: join(ws, 'dist/drivers/histo-kmod/histo_kmod.ko'), params: ['probe=40'] }], { image: findKernelImage({}, ws).path, timeoutMs: 120000, verbose: false });
    const log = run.steps[0].log;
    const hook = log.findIndex((l) => /^histo_kmod: glue hook: \d+ bytes, starting 'panicked '$/.test(l));
    expect(hook).toBeGreaterThanOrEqual(0);
    expect(log.findIndex((l) => l.startsWith('histo_kmod: rust panic: index out of bounds'))).toBeGreaterThan(hook);
    expect(run.crashes.join('\n')).toMatch(/kernel BUG at .*local_lto_rt\.c:\d+!/);
  }, 180000);
});
