import { ExecutorContext } from '@nx/devkit';
import { captureExecutorErrors } from '../testing/quiet-logger';
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cargoBc from './executor';

/** The cargo-bc executor on a real cargo package without registry dependencies (no network). */
describe('cargo-bc', () => {
  const root = mkdtempSync(join(tmpdir(), 'local-lto-cargo-bc-'));
  const context = {
    root,
    cwd: root,
    isVerbose: false,
    projectName: 'pk',
    targetName: 'rust-bc',
    projectsConfigurations: { version: 2, projects: { pk: { root: 'pk' } } },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
  } as unknown as ExecutorContext;
  const errors: string[] = [];
  const manifest = '[package]\nname = "pk"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\npath = "src/lib.rs"\n';
  const out = join(root, 'dist/pk/rust/pk.bc');

  beforeAll(() => {
    mkdirSync(join(root, 'pk/src'), { recursive: true });
    writeFileSync(join(root, 'pk/Cargo.toml'), manifest);
    writeFileSync(
      join(root, 'pk/src/lib.rs'),
      [
        '#![no_std]',
        '#[panic_handler]',
        'fn panic(_: &core::panic::PanicInfo) -> ! { loop {} }',
        '#[no_mangle]',
        'pub extern "C" fn pk_get(p: *const u32, n: usize, i: usize) -> u32 { unsafe { core::slice::from_raw_parts(p, n)[i] } }',
      ].join('\n'),
    );
    captureExecutorErrors(errors);
  });
  afterAll(() => {
    jest.restoreAllMocks();
    rmSync(root, { recursive: true, force: true });
  });

  it('without a Cargo.lock fails in one line naming lockFile and the fix, before cargo runs', async () => {
    errors.length = 0;
    expect(await cargoBc({ manifestPath: 'pk/Cargo.toml' } as never, context)).toEqual({ success: false });
    expect(errors.join('\n')).toMatch(/pk\/Cargo.lock \(option 'lockFile'\) is missing: cargo-bc builds with --locked; run 'cargo generate-lockfile --manifest-path pk\/Cargo.toml'/);
    expect(existsSync(join(root, 'pk/Cargo.lock'))).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it('with the lock, writes one bitcode module: the export global, the core code it uses internal', async () => {
    await execa('cargo', ['generate-lockfile', '--offline', '--manifest-path', 'pk/Cargo.toml'], { cwd: root });
    expect(await cargoBc({ manifestPath: 'pk/Cargo.toml' } as never, context)).toEqual({ success: true });
    const { stdout } = await execa('llvm-nm-22', [out]);
    expect(stdout).toMatch(/^-* T pk_get$/m);
    expect(stdout).toMatch(/ t _RNv\w*4core9panicking18panic_bounds_check$/m);
    expect(stdout).not.toMatch(/ U .*core/);
    expect(readdirSync(join(root, 'dist/pk/rust')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('in the native fallback (no clang) writes the same module as a native object instead, and removes the bitcode', async () => {
    expect(await cargoBc({ manifestPath: 'pk/Cargo.toml', fallback: 'native', clang: '/nonexistent/clang-22' } as never, context)).toEqual({ success: true });
    const obj = join(root, 'dist/pk/rust/pk.o');
    expect((await execa('llvm-readelf-22', ['-h', obj])).stdout).toMatch(/Type:\s+REL/);
    expect((await execa('llvm-nm-22', [obj])).stdout).toMatch(/ T pk_get$/m);
    expect(existsSync(out)).toBe(false);
    // Back to LTO: the bitcode again, the object gone (never both).
    expect(await cargoBc({ manifestPath: 'pk/Cargo.toml' } as never, context)).toEqual({ success: true });
    expect([existsSync(out), existsSync(obj)]).toEqual([true, false]);
  });

  it('a lock that no longer matches Cargo.toml fails (--locked) and keeps the previous bitcode', async () => {
    const before = readdirSync(join(root, 'dist/pk/rust'));
    writeFileSync(join(root, 'pk/Cargo.toml'), `${manifest}\n[dependencies]\nbitflags = "2"\n`);
    errors.length = 0;
    expect(await cargoBc({ manifestPath: 'pk/Cargo.toml' } as never, context)).toEqual({ success: false });
    expect(errors.join('\n')).toMatch(/cargo exited with code \d+\n {2}command: (env -u \S+ )*cargo rustc --manifest-path pk\/Cargo.toml --locked/);
    expect(errors.join('\n')).toMatch(/--locked/);
    expect(readdirSync(join(root, 'dist/pk/rust'))).toEqual(before);
    writeFileSync(join(root, 'pk/Cargo.toml'), manifest);
  });

  it('kernel profile: the stock core in the module gets the tree\'s code attributes (KERNEL-CORE); the user profile keeps its own (control)', async () => {
    const panicAttributes = async () => {
      const { stdout } = await execa('llvm-dis-22', [out, '-o', '-']);
      const define = stdout.split('\n').find((l) => /^define .*4core9panicking18panic_bounds_check\(/.test(l))!;
      const group = / #(\d+) /.exec(define)![1];
      return stdout.split('\n').find((l) => l.startsWith(`attributes #${group} = `))!;
    };
    expect(await cargoBc({ manifestPath: 'pk/Cargo.toml' } as never, context)).toEqual({ success: true });
    const user = await panicAttributes();
    expect(user).not.toMatch(/fn_ret_thunk_extern|soft-float/);
    expect(await cargoBc({ manifestPath: 'pk/Cargo.toml', profile: 'kernel' } as never, context)).toEqual({ success: true });
    const kernel = await panicAttributes();
    expect(kernel).toMatch(/fn_ret_thunk_extern/);
    expect(kernel).toMatch(/"target-features"="[^"]*-sse2[^"]*\+soft-float[^"]*\+retpoline-external-thunk/);
    expect(kernel).not.toMatch(/\buwtable\b/);
  });
});
