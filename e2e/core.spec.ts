import Ajv from 'ajv';
import { execa } from 'execa';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeReferences } from '../packages/nx-local-lto/src/elf/code-references';
import { readElf } from '../packages/nx-local-lto/src/elf/elf';
import type { InlineReport } from '../packages/nx-local-lto/src/inline/report';
import reportSchema from '../packages/nx-local-lto/src/inline/inline-report.schema.json';
import { copyWorkspace, isolatedNxEnv, nx, stepOptions } from './support/workspace';

/**
 * Issue "core" acceptance: real `nx build` of both sample drivers in a copy of the
 * workspace, the objects checked with LLVM's own tools and with the plugin's reader.
 */
describe('nx build of the sample drivers', () => {
  let ws: string;
  let env: Record<string, string>;
  const drivers = ['kuid', 'uring-nop'];

  beforeAll(async () => {
    ws = await copyWorkspace();
    env = isolatedNxEnv();
    const run = await nx(ws, ['run-many', '-t', 'build', '-p', ...drivers, '--outputStyle=static'], env);
    if (run.exitCode !== 0) throw new Error(`nx build failed:\n${run.all}`);
  });

  it.each(drivers)('%s.o is a relocatable object', async (driver) => {
    const { stdout } = await execa('llvm-readelf-22', ['-h', join(ws, 'dist/drivers', driver, `${driver}.o`)]);
    expect(stdout).toMatch(/Type:\s+REL \(Relocatable file\)/);
  });

  it.each(drivers)('%s.o exports no rust_helper_* symbol', async (driver) => {
    const obj = join(ws, 'dist/drivers', driver, `${driver}.o`);
    const { stdout } = await execa('llvm-nm-22', ['--extern-only', obj]);
    expect(stdout).not.toMatch(/rust_helper_/);
    // Positive control: the driver's own exported functions are there.
    expect(stdout).toMatch(driver === 'kuid' ? / T kuid_map_roundtrip$/m : / T uring_nop_queue$/m);
  });

  it.each(drivers)('no code section of %s.o has a relocation against a helper', async (driver) => {
    const obj = join(ws, 'dist/drivers', driver, `${driver}.o`);
    const { stdout } = await execa('llvm-readelf-22', ['-r', obj]);
    const sections = stdout.split(/\n(?=Relocation section )/).filter((s) => /'\.rela\.text/.test(s));
    for (const section of sections) expect(section).not.toMatch(/rust_helper_|__extern/);
    expect(codeReferences(readElf(obj)).filter((r) => r.to.startsWith('rust_helper_') || r.to.endsWith('__extern'))).toEqual([]);
  });

  it.each(drivers)('the inline report of %s marks every helper call site inlined', (driver) => {
    const report: InlineReport = JSON.parse(readFileSync(join(ws, 'dist/drivers', driver, 'inline-report.json'), 'utf8'));
    const validate = new Ajv({ strict: false }).compile(reportSchema);
    const valid = validate(report);
    expect(validate.errors).toBeNull();
    expect(valid).toBe(true);
    const sites = report.helpers.flatMap((h) => h.callSites.map((c) => ({ helper: h.symbol, ...c })));
    // uring-nop: six liburing wrappers bindgen generated (`*__extern`), no hand-written helper.
    expect(sites.length).toBeGreaterThanOrEqual(driver === 'kuid' ? 10 : 6);
    if (driver === 'uring-nop') expect(sites.every((s) => s.helper.endsWith('__extern'))).toBe(true);
    expect(sites.filter((s) => s.verdict !== 'inlined')).toEqual([]);
    expect(report.summary.leakedHelpers).toBe(0);
  });

  it('the uring host program submits and reaps NOPs with the right user data', async () => {
    const run = await nx(ws, ['test', 'uring-nop', '--outputStyle=static'], env);
    expect(run.exitCode).toBe(0);
    expect(run.all).toMatch(/uring-nop: submitted 256 NOPs, reaped 256 completions, 0 with wrong user data or result/);
  });

  it('the kuid host test passes', async () => {
    const run = await nx(ws, ['test', 'kuid', '--outputStyle=static'], env);
    expect(run.exitCode).toBe(0);
    expect(run.all).toMatch(/kuid: (\d+) of \1 checks passed/);
  });

  it('a second nx build kuid is a cache hit', async () => {
    const run = await nx(ws, ['build', 'kuid', '--outputStyle=static'], env);
    expect(run.exitCode).toBe(0);
    expect(run.all).toMatch(/Nx read the output from the cache instead of running the command for (\d+) out of \1 tasks/);
  });

  // Issue report-truth: the link-readiness check, native objects as cache inputs, the manifest schema.
  describe('after the sample builds (edits the copied workspace)', () => {
    const manifest = () => join(ws, 'drivers/kuid/local-lto.json');
    const setManifest = (edit: (m: Record<string, unknown>) => void) => {
      const m = JSON.parse(readFileSync(manifest(), 'utf8'));
      edit(m);
      writeFileSync(manifest(), JSON.stringify(m, null, 2));
    };

    it('a native object in "objects" is a cache input: rebuilt, the next build is a miss; untouched, a hit', async () => {
      writeFileSync(join(ws, 'drivers/kuid/vendor.c'), 'unsigned int kuid_vendor(void) { return 1; }\n');
      await execa('clang-22', ['-O2', '-fPIC', '-c', 'drivers/kuid/vendor.c', '-o', 'drivers/kuid/vendor.o'], { cwd: ws });
      setManifest((m) => (m.objects = ['vendor.o']));
      const first = await nx(ws, ['build', 'kuid', '--outputStyle=static'], env);
      expect(first.exitCode).toBe(0);
      expect(first.all).toMatch(/> nx run kuid:build\n(?!.*local cache)/);
      const hit = await nx(ws, ['build', 'kuid', '--outputStyle=static'], env);
      expect(hit.all).toMatch(/> nx run kuid:build +\[local cache\]/);
      writeFileSync(join(ws, 'drivers/kuid/vendor.c'), 'unsigned int kuid_vendor(void) { return 2; }\n');
      await execa('clang-22', ['-O2', '-fPIC', '-c', 'drivers/kuid/vendor.c', '-o', 'drivers/kuid/vendor.o'], { cwd: ws });
      const miss = await nx(ws, ['build', 'kuid', '--outputStyle=static'], env);
      expect(miss.exitCode).toBe(0);
      expect(miss.all).toMatch(/> nx run kuid:build\n/);
      expect(miss.all).not.toMatch(/> nx run kuid:build +\[local cache\]/);
      expect((await execa('llvm-nm-22', ['--extern-only', '--defined-only', join(ws, 'dist/drivers/kuid/kuid.o')])).stdout).toMatch(/ T kuid_vendor$/m);
    });

    it('Rust code that indexes a slice fails nx build naming core::panicking::panic_bounds_check and the function; the manifest key runtimeSymbols reaches the target', async () => {
      appendFileSync(join(ws, 'drivers/kuid/src/lib.rs'), [
        '',
        '#[no_mangle]',
        'pub extern "C" fn kuid_pick(xs: *const u32, n: usize, i: usize) -> u32 {',
        '    let s = unsafe { core::slice::from_raw_parts(xs, n) };',
        '    s[i]',
        '}',
        '',
      ].join('\n'));
      const failed = await nx(ws, ['build', 'kuid', '--outputStyle=static'], env);
      expect(failed.exitCode).not.toBe(0);
      expect(failed.all).toContain('core::panicking::panic_bounds_check (needed by kuid_pick)');
      // The manifest key reaches the target (the executor's "warn" build is in cases.spec.ts).
      setManifest((m) => (m.runtimeSymbols = 'warn'));
      const shown = await nx(ws, ['show', 'project', 'kuid', '--json'], env);
      expect(stepOptions(JSON.parse(shown.all.slice(shown.all.indexOf('{'))).targets.build).runtimeSymbols).toBe('warn');
    });

    it('a manifest key with a typo is one warning line naming the file, the key and the accepted keys', async () => {
      setManifest((m) => (m.sorces = m.sources));
      const run = await nx(ws, ['show', 'projects'], env);
      const lines = run.all.split('\n').filter((l) => l.includes("unknown key 'sorces'"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/drivers\/kuid\/local-lto\.json: unknown key 'sorces'\. Accepted keys: kind, .*sources/);
      expect(run.all).not.toMatch(/^kuid$/m); // not inferred until fixed
      expect(run.all).toMatch(/^uring-nop$/m); // control: the other driver is
    });
  });
});
