import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ranTasks, taskSections } from './support/nx-output';
import { copyWorkspace, digests, isolatedNxEnv, nx } from './support/workspace';

/**
 * Issue 15 (rust-runtime), "for the user profile std": the sample wordcount-std (String,
 * format!, HashMap, std::io::Write) builds through cargo to an object that carries the std
 * code it uses; what it leaves to the final link is the C library, the C toolchain's
 * unwinder (libgcc_s: std's precompiled personality and backtrace code name _Unwind_*,
 * panic=abort or not) and the dynamic loader's __tls_get_addr (std's thread-locals in PIC code).
 */
describe('a Cargo-based driver using std (user profile)', () => {
  const driver = 'wordcount-std';
  /** What the object may leave undefined, by who provides it at a plain `cc` link. */
  const LIBC = [
    '__errno_location', '__xpg_strerror_r', 'abort', 'bcmp', 'calloc', 'close', 'dl_iterate_phdr', 'free', 'fstat64', 'getcwd', 'getenv', 'getrandom',
    'gettid', 'lseek64', 'malloc', 'memcmp', 'memcpy', 'memmove', 'memset', 'mmap64', 'munmap', 'open64', 'posix_memalign', 'read', 'readlink',
    'realloc', 'realpath', 'stat64', 'statx', 'strlen', 'syscall', 'write',
  ];
  const LOADER = ['__tls_get_addr'];
  const isUnwinder = (s: string) => s.startsWith('_Unwind_');
  let ws: string;
  let env: Record<string, string>;
  let run: { exitCode: number; all: string };
  const object = () => join(ws, 'dist/drivers', driver, `${driver}.o`);
  const nm = async (args: string[], file: string) => (await execa('llvm-nm-22', [...args, '--format=just-symbols', file])).stdout.split('\n').filter(Boolean).sort();

  beforeAll(async () => {
    ws = await copyWorkspace('local-lto-std-');
    env = isolatedNxEnv();
    run = await nx(ws, ['run-many', '-t', 'build', 'test', '-p', driver, '--outputStyle=static'], env);
    if (run.exitCode !== 0) throw new Error(`nx build test ${driver} failed:\n${run.all}`);
  });

  it('leaves only C library, unwinder (_Unwind_*) and loader (__tls_get_addr) symbols undefined; the Rust bitcode needs more (control)', async () => {
    const undef = await nm(['--undefined-only'], object());
    expect(undef.filter((s) => !LIBC.includes(s) && !LOADER.includes(s) && !isUnwinder(s))).toEqual([]);
    expect(undef).toEqual(expect.arrayContaining(['malloc', 'free', 'abort', 'write', '__tls_get_addr', '_Unwind_Backtrace']));
    // Before the link the Rust side still needs the helper: the check above can fail.
    expect(await nm(['--undefined-only'], join(ws, 'dist/drivers', driver, 'rust/wordcount_std.bc'))).toContain('rust_helper_fold_byte');
  });

  it('exports only the #[no_mangle] API; std, core and alloc code (and std\'s rust_eh_personality) is local', async () => {
    expect(await nm(['--extern-only', '--defined-only'], object())).toEqual(['wordcount_add', 'wordcount_free', 'wordcount_get', 'wordcount_new', 'wordcount_rank', 'wordcount_summary']);
    const all = (await execa('llvm-nm-22', ['--defined-only', object()])).stdout;
    expect(all).toMatch(/^\S+ t rust_eh_personality$/m);
    // std's own code, local: the random seed of HashMap's RandomState (getrandom on Linux).
    expect(all).toMatch(/ t _R\w*3std\w*6random5linux9getrandom/m);
    expect(run.all).toMatch(/code by origin: .*std \d+/);
  });

  it('inlines the helper into its Rust caller', () => {
    const build = taskSections(run.all).get(`${driver}:build`)!.text;
    expect(build).toMatch(/rust_helper_fold_byte\s+wordcount_std::fold\s+inlined/);
  });

  it('the host test (plain cc link) passes: HashMap, format!, io::Write, and a panic through std\'s hook into abort()', () => {
    const test = taskSections(run.all).get(`${driver}:test`)!.text;
    expect(test).toMatch(/summary: 5 distinct, top the=3/);
    expect(test).toMatch(/panicked at drivers\/wordcount-std\/src\/lib.rs:\d+:\d+:\nindex out of bounds: the len is 5 but the index is 5/);
    expect(test).toMatch(/wordcount-std: all checks passed/);
  });

  it('the limit: without the C toolchain\'s unwinder (cc -nodefaultlibs -lc) the link fails naming _Unwind_*; with it, it links (control)', async () => {
    const main = join(ws, 'std_main.c');
    writeFileSync(main, '#include "wordcount_std.h"\nint main(void) { struct wordcount *w = wordcount_new(); int n = wordcount_add(w, "a b a", 5); wordcount_free(w); return n == 3 ? 0 : 1; }\n');
    const args = [main, object(), '-I', join(ws, 'drivers', driver, 'include'), '-o', join(ws, 'std_main')];
    const bare = await execa('cc', [...args, '-nodefaultlibs', '-lc'], { reject: false, all: true });
    expect(bare.exitCode).not.toBe(0);
    expect(bare.all).toMatch(/undefined reference to `_Unwind_\w+'/);
    expect(bare.all).not.toMatch(/undefined reference to `(?!_Unwind_)/);
    await execa('cc', args);
    expect((await execa(join(ws, 'std_main'), [], { reject: false })).exitCode).toBe(0);
  });

  it('a second build is a cache hit; another checkout gives byte-identical bitcode, object and report', async () => {
    const again = await nx(ws, ['build', driver, '--outputStyle=static'], env);
    expect(again.exitCode).toBe(0);
    expect(ranTasks(taskSections(again.all))).toEqual([]);
    const b = await copyWorkspace('local-lto-std-b-longer-path-');
    const other = await nx(b, ['build', driver, '--outputStyle=static'], isolatedNxEnv());
    if (other.exitCode !== 0) throw new Error(other.all);
    const products = (dir: string) =>
      Object.fromEntries(Object.entries(digests(join(dir, 'dist/drivers', driver))).filter(([f]) => !f.startsWith('cargo/') && /\.(bc|o|json)$/.test(f)));
    const pa = products(ws);
    expect(Object.keys(pa)).toEqual(expect.arrayContaining([`${driver}.o`, 'inline-report.json', 'rust/wordcount_std.bc']));
    expect(products(b)).toEqual(pa);
  });
});
