import Ajv from 'ajv';
import { execa } from 'execa';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demangleRust } from '../packages/nx-local-lto/src/inline/demangle';
import type { InlineReport } from '../packages/nx-local-lto/src/inline/report';
import reportSchema from '../packages/nx-local-lto/src/inline/inline-report.schema.json';
import { ranTasks, taskSections } from './support/nx-output';
import { copyWorkspace, digests, isolatedNxEnv, nx, writeSelfContainedDriver } from './support/workspace';

/**
 * Issue "rust-runtime" acceptance (user profile): the Cargo-based sample bitset-user (Vec,
 * Box, slice indexing, bitflags from crates.io) builds through cargo from its lock file to
 * an object that needs nothing from Rust at the final link.
 */
describe('a Cargo-based driver with core, alloc and a crates.io dependency', () => {
  const driver = 'bitset-user';
  const object = (ws: string) => join(ws, 'dist/drivers', driver, `${driver}.o`);
  const rustBitcode = (ws: string) => join(ws, 'dist/drivers', driver, 'rust', 'bitset_user.bc');
  /** What a self-contained user-profile object may leave to the final link: C library functions and the optional panic hook. */
  const C_LIBRARY = ['abort', 'aligned_alloc', 'bcmp', 'calloc', 'free', 'malloc', 'memcmp', 'memcpy', 'memmove', 'memset', 'realloc', 'local_lto_panic'];
  let ws: string;
  let env: Record<string, string>;
  let first: { exitCode: number; all: string };

  const undefinedSymbols = async (file: string) =>
    (await execa('llvm-nm-22', ['--undefined-only', '--format=just-symbols', file])).stdout.split('\n').filter(Boolean).sort();

  beforeAll(async () => {
    ws = await copyWorkspace('local-lto-rt-a-');
    env = isolatedNxEnv();
    // A rustc-route driver (no Cargo.toml) made self-contained by its manifest.
    writeSelfContainedDriver(ws, [
      '#[no_mangle]',
      'pub extern "C" fn sc_user_nth(p: *const u32, n: usize, i: usize) -> u32 {',
      '    let v: alloc::vec::Vec<u32> = unsafe { core::slice::from_raw_parts(p, n) }.iter().map(|x| x * 2).collect();',
      '    v[i]',
      '}',
    ]);
    first = await nx(ws, ['run-many', '-t', 'build', 'test', '-p', driver, 'sc-user', '--outputStyle=static'], env);
    if (first.exitCode !== 0) throw new Error(`nx build test ${driver} failed:\n${first.all}`);
  });

  it('builds through cargo with the lock file and the plugin runtime', () => {
    expect(first.all).toMatch(/CARGO-BC drivers\/bitset-user\/Cargo.toml -> dist\/drivers\/bitset-user\/rust\/bitset_user.bc/);
    // runtime-bc: the clang-bc executor (CLANG-BC line) or, on the command route, clang-22 itself (-c <file>).
    expect(first.all).toMatch(/(CLANG-BC|-c) \S*nx-local-lto\/runtime\/c\/user\/local_lto_rt.c/);
  });

  it('leaves only C library symbols undefined (llvm-nm), with the cargo bitcode as positive control', async () => {
    const undef = await undefinedSymbols(object(ws));
    expect(undef.filter((s) => !C_LIBRARY.includes(s))).toEqual([]);
    expect(undef).toEqual(expect.arrayContaining(['malloc', 'free', 'abort']));
    // Before the link the Rust side still needs the runtime C and the helpers: the check above can fail.
    expect(await undefinedSymbols(rustBitcode(ws))).toEqual(expect.arrayContaining(['local_lto_rt_alloc', 'local_lto_rt_panic', 'rust_helper_popcount32']));
    const weak = (await execa('llvm-nm-22', [object(ws)])).stdout;
    expect(weak).toMatch(/^\s+w local_lto_panic$/m);
  });

  it('a rustc-route driver with "selfContained" is self-contained too (RUSTC-RT, runtime-bc)', async () => {
    expect(first.all).toMatch(/RUSTC-RT \S*nx-local-lto\/runtime\/rust\/src\/lib.rs/);
    const obj = join(ws, 'dist/drivers/sc-user/sc-user.o');
    const undef = await undefinedSymbols(obj);
    expect(undef.filter((s) => !C_LIBRARY.includes(s))).toEqual([]);
    expect(undef).toEqual(expect.arrayContaining(['malloc', 'abort']));
    const { stdout } = await execa('llvm-nm-22', ['--extern-only', '--defined-only', '--format=just-symbols', obj]);
    expect(stdout.split('\n').filter(Boolean)).toEqual(['sc_user_nth']);
  });

  it('exports only the #[no_mangle] functions: core, alloc and bitflags code is local', async () => {
    const { stdout } = await execa('llvm-nm-22', ['--extern-only', '--defined-only', '--format=just-symbols', object(ws)]);
    const exported = stdout.split('\n').filter(Boolean).sort();
    expect(exported).toEqual(['bitset_mask_bits', 'bitset_table_count', 'bitset_table_free', 'bitset_table_get', 'bitset_table_new', 'bitset_table_push']);
    // Positive control: core and alloc code is in the object, as local symbols.
    const all = (await execa('llvm-nm-22', ['--defined-only', object(ws)])).stdout;
    expect(all).toMatch(/ t _RNv\w*4core9panicking18panic_bounds_check$/m);
    expect(all).toMatch(/ t _ZN5alloc7raw_vec/m);
  });

  it('inlines every helper and runtime function into every Rust caller, alloc generics included, and reports the size by crate', () => {
    const report: InlineReport = JSON.parse(readFileSync(join(ws, 'dist/drivers', driver, 'inline-report.json'), 'utf8'));
    const validate = new Ajv({ strict: false }).compile(reportSchema);
    expect(validate(report) ? null : validate.errors).toBeNull();
    const sites = report.helpers.flatMap((h) => h.callSites.map((c) => ({ helper: h.symbol, caller: demangleRust(c.caller), verdict: c.verdict })));
    expect(sites.filter((s) => s.verdict !== 'inlined')).toEqual([]);
    expect(report.helpers.filter((h) => h.symbol.startsWith('local_lto_rt_')).every((h) => h.required)).toBe(true);
    // A caller inside the alloc crate (generic RawVec code instantiated for this crate).
    expect(sites).toEqual(expect.arrayContaining([expect.objectContaining({ helper: 'local_lto_rt_realloc', caller: expect.stringMatching(/^alloc::raw_vec::/) })]));
    expect(sites.filter((s) => s.helper === 'rust_helper_popcount32').map((s) => s.caller).sort()).toEqual(['bitset_mask_bits', 'bitset_table_count']);
    const size = report.size!;
    expect(size.text).toBeGreaterThan(0);
    expect(size.crates.map((c) => c.crate)).toEqual(expect.arrayContaining(['core', 'alloc', '#[no_mangle]']));
    expect(size.crates.reduce((n, c) => n + c.bytes, 0)).toBeLessThanOrEqual(size.text);
    expect(first.all).toMatch(/object: \d+ bytes \(text \d+.*code by origin: .*core \d+/);
  });

  it('the host test (plain cc link) passes, its panic test reaching local_lto_panic', () => {
    const test = taskSections(first.all).get(`${driver}:test`)!.text;
    expect(test).toMatch(/^panic: panicked at drivers\/bitset-user\/src\/lib.rs:\d+:\d+:\nindex out of bounds: the len is 1000 but the index is 1000$/m);
    expect(test).toMatch(/bitset-user: all checks passed/);
  });

  it('without local_lto_panic in the program, a panic aborts (SIGABRT), and a good index does not (control)', async () => {
    const main = join(ws, 'abort_main.c');
    writeFileSync(main, [
      '#include <stdint.h>',
      '#include <stdlib.h>',
      '#include "bitset_user.h"',
      'int main(int argc, char **argv) {',
      '  struct bitset_table *t = bitset_table_new();',
      '  bitset_table_push(t, 3);',
      '  return (int)bitset_table_get(t, (uint32_t)atoi(argv[1]));',
      '}',
    ].join('\n'));
    const exe = join(ws, 'abort_main');
    await execa('cc', [main, object(ws), '-I', join(ws, 'drivers', driver, 'include'), '-o', exe]);
    expect((await execa(exe, ['0'], { reject: false })).exitCode).toBe(3);
    expect((await execa(exe, ['7'], { reject: false })).signal).toBe('SIGABRT');
  });

  it('a second build is a cache hit', async () => {
    const run = await nx(ws, ['build', driver, '--outputStyle=static'], env);
    expect(run.exitCode).toBe(0);
    expect(ranTasks(taskSections(run.all))).toEqual([]);
  });

  it('two checkouts give byte-identical bitcode, object and report', async () => {
    const b = await copyWorkspace('local-lto-rt-b-longer-path-');
    const run = await nx(b, ['build', driver, '--outputStyle=static'], isolatedNxEnv());
    if (run.exitCode !== 0) throw new Error(run.all);
    const products = (dir: string) =>
      Object.fromEntries(Object.entries(digests(join(dir, 'dist/drivers', driver))).filter(([f]) => !f.startsWith('cargo/') && /\.(bc|o|json)$/.test(f)));
    const pa = products(ws);
    expect(Object.keys(pa).sort()).toEqual(expect.arrayContaining(['bitset-user.o', 'inline-report.json', 'rust/bitset_user.bc']));
    expect(products(b)).toEqual(pa);
  });
  it('another bitflags version in Cargo.lock reruns the Rust side only', async () => {
    const lock = join(ws, 'Cargo.lock');
    const text = readFileSync(lock, 'utf8');
    // 2.13.1 is in the cargo cache next to the locked 2.13.2 (scripts/setup.sh fetches the lock).
    const edited = text.replace(
      /name = "bitflags"\nversion = "[^"]+"\n(source = "[^"]+"\n)checksum = "[0-9a-f]+"/,
      'name = "bitflags"\nversion = "2.13.1"\n$1checksum = "b588b76d00fde79687d7646a9b5bdf3cc0f655e0bbd080335a95d7e96f3587da"',
    );
    expect(edited).not.toBe(text);
    writeFileSync(lock, edited);
    const run = await nx(ws, ['build', driver, '--outputStyle=static'], env);
    if (run.exitCode !== 0) throw new Error(run.all);
    const ran = ranTasks(taskSections(run.all));
    expect(ran).toContain(`${driver}:rust-bc`);
    expect(ran.filter((t) => t !== `${driver}:rust-bc` && t !== `${driver}:build`)).toEqual([]);
    expect(run.all).toMatch(/Compiling bitflags v2\.13\.1/);
  });

});
