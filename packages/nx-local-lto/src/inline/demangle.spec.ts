import { demangleRust } from './demangle';

describe('demangleRust', () => {
  it('demangles legacy Rust symbols without the hash', () => {
    expect(demangleRust('_ZN4kuid4Kuid11from_raw_in17h0123456789abcdefE')).toBe('kuid::Kuid::from_raw_in');
    expect(demangleRust('_ZN51_$LT$kuid..Kuid$u20$as$u20$core..cmp..PartialEq$GT$2eq17h0123456789abcdefE')).toBe('<kuid::Kuid as core::cmp::PartialEq>::eq');
  });

  it('leaves C names alone', () => {
    expect(demangleRust('kuid_map_roundtrip')).toBe('kuid_map_roundtrip');
  });
});

describe('demangleRust on v0 symbols (rustc 1.95 mangles core this way)', () => {
  it('demangles paths through crate roots with disambiguators', () => {
    expect(demangleRust('_RNvNtCsgEmfK2I1SDS_4core9panicking18panic_bounds_check')).toBe('core::panicking::panic_bounds_check');
    expect(demangleRust('_RNvCs1234_7___rustc12___rust_alloc')).toBe('__rustc::__rust_alloc');
  });
});
