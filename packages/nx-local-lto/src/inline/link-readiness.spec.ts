import { isRustRuntimeSymbol } from './link-readiness';

describe('isRustRuntimeSymbol', () => {
  it.each([
    '_RNvNtCsgEmfK2I1SDS_4core9panicking18panic_bounds_check',
    '_ZN4core9panicking5panic17h0123456789abcdefE',
    '__rust_dealloc',
    '__rust_no_alloc_shim_is_unstable_v2',
    '_RNvCs1234_7___rustc12___rust_alloc',
    'rust_eh_personality',
    '_RINvNtCs1_5alloc5alloc8box_freeE', // a generic form the demangler does not read: named by its crate
  ])('%s is only provided by the Rust runtime', (s) => expect(isRustRuntimeSymbol(s)).toBe(true));

  it.each(['__io_uring_get_cqe', 'memcpy', '_RNvCs1_4kuid8kuid_foo', 'refcount_warn_saturate'])('%s is not', (s) => expect(isRustRuntimeSymbol(s)).toBe(false));
});
