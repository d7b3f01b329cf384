import { exportableNames } from './symbol-policy';

describe('exportableNames', () => {
  const sym = (name: string, over: Partial<{ isDeclaration: boolean; isLocal: boolean }> = {}) => ({ name, isDeclaration: false, isLocal: false, ...over });

  it("keeps a crate's #[no_mangle] items and drops the Rust runtime's unmangled names (std's personality, allocator shims)", () => {
    const names = exportableNames([
      sym('wordcount_new'),
      sym('DRIVER_STATE'),
      sym('rust_eh_personality'),
      sym('rust_begin_unwind'),
      sym('__rust_alloc'),
      sym('__rg_oom'),
      sym('__rdl_alloc'),
      sym('__rustc_debug_gdb_scripts_section__'),
      sym('_ZN3std2rt10lang_start17h0123456789abcdefE'),
      sym('malloc', { isDeclaration: true }),
      sym('helper', { isLocal: true }),
    ]);
    expect(names).toEqual(['DRIVER_STATE', 'wordcount_new']);
  });

  it('keeps a driver function whose name only starts like a runtime one (control)', () => {
    expect(exportableNames([sym('rust_eh_personality_count'), sym('rust_driver_init')])).toEqual(['rust_driver_init', 'rust_eh_personality_count']);
  });
});
