import { ElfObject, SHF_EXECINSTR, STB_GLOBAL, STB_LOCAL, STT_FUNC } from '../elf/elf';
import { crateOfSymbol, objectSize } from './object-size';

describe('crateOfSymbol', () => {
  it.each([
    ['_RNvNtCsgEmfK2I1SDS_4core9panicking18panic_bounds_check', 'core'],
    ['_RNvXsi_NtNtNtCsgEmfK2I1SDS_4core3fmt3num3impjNtB9_7Display3fmt', 'core'],
    ['_RNvCsfLfy6EI15iL_7___rustc17rust_begin_unwind', '__rustc'],
    ['_RINvNtCs1234_8bitflags6parser8to_writeNtCs99_11bitset_user4PermEB4_', 'bitflags'],
    ['_ZN5alloc7raw_vec19RawVec$LT$T$C$A$GT$8grow_one17h88e5e881aad78714E', 'alloc'],
    ['_ZN44_$LT$$RF$T$u20$as$u20$core..fmt..Display$GT$3fmt17h323f062d4333d125E', 'core'],
    ['_ZN66_$LT$local_lto_rt..message..Buffer$u20$as$u20$core..fmt..Write$GT$9write_str17h2b7f2bafac6003feE', 'local_lto_rt'],
    ['_ZN91_$LT$core..slice..iter..Iter$LT$T$GT$$u20$as$u20$core..iter..traits..iterator..Iterator$GT$4fold17h03ca7c7c613885deE', 'core'],
  ])('%s is from %s', (symbol, crate) => {
    expect(crateOfSymbol(symbol)).toBe(crate);
  });

  it('gives nothing for C and #[no_mangle] names (control)', () => {
    expect(crateOfSymbol('bitset_table_get')).toBeUndefined();
    expect(crateOfSymbol('rust_helper_x')).toBeUndefined();
  });
});

describe('objectSize', () => {
  it('sums loaded sections by kind and function bytes by origin, and lists undefined symbols', () => {
    const sym = (name: string, size: number, shndx: number, bind = STB_LOCAL) => ({ index: 0, name, value: 0, size, type: shndx ? STT_FUNC : 0, bind, shndx, visibility: 0 });
    const elf: ElfObject = {
      type: 1,
      machine: 62,
      sections: [
        { index: 1, name: '.text', type: 1, flags: 0x2 | SHF_EXECINSTR, size: 100, info: 0 },
        { index: 2, name: '.rodata', type: 1, flags: 0x2, size: 30, info: 0 },
        { index: 3, name: '.data', type: 1, flags: 0x3, size: 8, info: 0 },
        { index: 4, name: '.bss', type: 8, flags: 0x3, size: 16, info: 0 },
        { index: 5, name: '.comment', type: 1, flags: 0, size: 50, info: 0 },
      ],
      symbols: [
        sym('_RNvNtCsgEmfK2I1SDS_4core9panicking18panic_bounds_check', 40, 1),
        sym('drv_get', 50, 1, STB_GLOBAL),
        sym('helper', 10, 1),
        sym('malloc', 0, 0, STB_GLOBAL),
      ],
      relocations: [],
    };
    expect(objectSize(elf, new Set(['helper']))).toEqual({
      text: 100,
      rodata: 30,
      data: 8,
      bss: 16,
      crates: [
        { crate: '#[no_mangle]', functions: 1, bytes: 50 },
        { crate: 'core', functions: 1, bytes: 40 },
        { crate: 'C', functions: 1, bytes: 10 },
      ],
      undefined: ['malloc'],
    });
  });
});
