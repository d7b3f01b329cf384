import { logger } from '@nx/devkit';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import clangBc from './clang-bc/executor';
import lldRelocatable from './lld-relocatable/executor';
import rustBc from './rust-bc/executor';
import { createFixtureWorkspace, FixtureWorkspace } from './testing/fixture-workspace';

/** The symbol policy of lld-relocatable (`exports`) on the case-06 pair plus Rust items of every kind. */
describe('symbol policy', () => {
  let ws: FixtureWorkspace;
  const globals = (obj: string) =>
    execFileSync('llvm-nm-22', ['--extern-only', '--defined-only', '--format=just-symbols', ws.abs(obj)], { encoding: 'utf8' }).trim().split('\n').sort();

  beforeAll(async () => {
    ws = createFixtureWorkspace('06');
    // A #[no_mangle] static, a public mangled function and a #[no_mangle] function besides driver_entry.
    writeFileSync(ws.abs('drv/driver.rs'), [
      '#![no_std]',
      'extern "C" { fn helper_scale(x: u32) -> u32; }',
      '#[no_mangle] pub static mut DRIVER_STATE: u32 = 7;',
      '#[inline(never)] pub fn mangled_pub(x: u32) -> u32 { x.rotate_left(3) }',
      '#[no_mangle] pub extern "C" fn driver_entry(x: u32) -> u32 { unsafe { helper_scale(x).wrapping_add(DRIVER_STATE) } }',
      '#[no_mangle] pub extern "C" fn driver_other(x: u32) -> u32 { mangled_pub(x) }',
    ].join('\n'));
    expect(await rustBc({ crateRoot: 'drv/driver.rs', crateName: 'drv', outputPath: 'out/drv.bc' } as never, ws.context)).toEqual({ success: true });
    expect(await clangBc({ sources: ['drv/helpers.c'], outputDir: 'out/c' } as never, ws.context)).toEqual({ success: true });
  });
  afterAll(() => ws.dispose());

  const link = (output: string, extra: Record<string, unknown> = {}) =>
    lldRelocatable({ rustBitcode: 'out/drv.bc', bitcode: ['out/c/helpers.bc'], output, requireInlined: ['helper_*'], ...extra } as never, ws.context);

  it('by default keeps exactly the #[no_mangle] functions and statics global', async () => {
    expect(await link('out/default.o')).toEqual({ success: true });
    expect(globals('out/default.o')).toEqual(['DRIVER_STATE', 'driver_entry', 'driver_other']);
    // Positive control: the mangled function is still in the object, now LOCAL.
    const all = execFileSync('llvm-nm-22', ['--defined-only', ws.abs('out/default.o')], { encoding: 'utf8' });
    expect(all).toMatch(/ t _ZN3drv11mangled_pub/);
  });

  it('keeps only what option exports names (globs allowed) and warns on a pattern that matches nothing', async () => {
    const warn = jest.spyOn(logger, 'warn');
    expect(await link('out/entry.o', { exports: ['driver_e*', 'no_such_symbol'] })).toEqual({ success: true });
    expect(globals('out/entry.o')).toEqual(['driver_entry']);
    expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/option 'exports' entry 'no_such_symbol' matches no symbol/);
    warn.mockRestore();
  });

  it('objects sharing helpers, statics and support code link together; with everything exported they clash', async () => {
    expect(await link('out/other.o', { exports: ['driver_other'] })).toEqual({ success: true });
    execFileSync('ld.lld-22', ['-r', ws.abs('out/entry.o'), ws.abs('out/other.o'), '-o', ws.abs('out/both.o')]);
    expect(globals('out/both.o')).toEqual(['driver_entry', 'driver_other']);
    // Positive control: exporting every symbol leaves the Rust-mangled function global in both.
    expect(await link('out/all-a.o', { exports: ['*'] })).toEqual({ success: true });
    expect(await link('out/all-b.o', { exports: ['*'] })).toEqual({ success: true });
    expect(() => execFileSync('ld.lld-22', ['-r', ws.abs('out/all-a.o'), ws.abs('out/all-b.o'), '-o', ws.abs('out/clash.o')], { stdio: 'pipe' })).toThrow(/duplicate symbol/);
  });
});
