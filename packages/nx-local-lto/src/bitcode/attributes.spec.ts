import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAttributeGroup, FUNCTION_INDEX, readFunctionAttributes } from './attributes';

// Real clang-22 and rustc output: each attribute the diagnosis relies on, read by our reader.
describe('readFunctionAttributes on real bitcode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bc-attrs-'));
  writeFileSync(join(dir, 'lib.rs'), '#![no_std]\nextern "C" { fn h(x: u32) -> u32; }\n#[no_mangle] pub extern "C" fn entry(x: u32) -> u32 { unsafe { h(x) } }\n');
  writeFileSync(join(dir, 'h.c'), [
    'unsigned h(unsigned x) { return x * 3; }',
    '__attribute__((noinline)) unsigned k(unsigned x) { return x + 1; }',
    '__attribute__((always_inline)) unsigned a(unsigned x) { return x + 2; }',
    '__attribute__((target("avx2"))) unsigned t(unsigned x) { return x + 3; }',
  ].join('\n'));
  const clang = (name: string, flags: string[]) => {
    execFileSync('clang-22', ['--target=x86_64-unknown-linux-gnu', '-O2', '-flto=thin', ...flags, '-c', join(dir, 'h.c'), '-o', join(dir, `${name}.bc`)]);
    return readFunctionAttributes(join(dir, `${name}.bc`));
  };
  const rust = (name: string, flags: string[]) => {
    execFileSync('rustc', ['-O', '--crate-type=lib', '-Cpanic=abort', '-Ccodegen-units=1', ...flags, '--emit=llvm-bc', '-o', join(dir, `${name}.bc`), join(dir, 'lib.rs')], { stdio: 'pipe' });
    return readFunctionAttributes(join(dir, `${name}.bc`));
  };

  it('plain -O2: target-cpu and target-features strings, enum attributes, no blockers', () => {
    const h = clang('plain', []).get('h')!;
    expect(h.strings.get('target-cpu')).toBe('x86-64');
    expect(h.strings.get('target-features')).toBe('+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87');
    expect([...h.enums]).toEqual(expect.arrayContaining(['nounwind', 'uwtable', 'willreturn', 'mustprogress', 'memory']));
    expect(h.enums.has('noinline')).toBe(false);
    expect(h.strings.has('no-builtins')).toBe(false);
    expect(h.incomplete).toBe(false);
  });

  it('source attributes: noinline, alwaysinline, target("avx2")', () => {
    const fns = clang('plain2', []);
    expect(fns.get('k')!.enums.has('noinline')).toBe(true);
    expect(fns.get('a')!.enums.has('alwaysinline')).toBe(true);
    expect(fns.get('t')!.strings.get('target-features')).toMatch(/\+avx2/);
  });

  it.each([
    ['-ffreestanding', (a: any) => a.strings.has('no-builtins')],
    ['-fno-builtin', (a: any) => a.strings.has('no-builtins')],
    ['-fno-builtin-memcpy', (a: any) => a.strings.has('no-builtin-memcpy') && !a.strings.has('no-builtins')],
    ['-fno-delete-null-pointer-checks', (a: any) => a.enums.has('null_pointer_is_valid') && !a.strings.has('null-pointer-is-valid')],
    ['-mavx2', (a: any) => /\+avx2/.test(a.strings.get('target-features'))],
    ['-O0', (a: any) => a.enums.has('optnone') && a.enums.has('noinline')],
  ])('clang %s', (flag, check) => {
    const attrs = clang(flag.replace(/\W/g, '_'), [flag]).get('h')!;
    expect(check(attrs)).toBe(true);
  });

  it('rustc: the caller has target-cpu and no target-features by default; -Ctarget-feature=+avx2 lists them', () => {
    const plain = rust('rust', []).get('entry')!;
    expect(plain.strings.get('target-cpu')).toBe('x86-64');
    expect(plain.strings.has('target-features')).toBe(false);
    expect(plain.enums.has('nounwind')).toBe(true);
    expect(rust('rust-avx2', ['-Ctarget-feature=+avx2']).get('entry')!.strings.get('target-features')).toMatch(/\+avx2/);
  });
});

describe('decodeAttributeGroup', () => {
  it('decodes every entry kind of LLVM 22 records', () => {
    const str = (s: string) => [...s].map((c) => c.charCodeAt(0));
    const g = decodeAttributeGroup([7, FUNCTION_INDEX, 0, 14, 1, 33, 2, 3, ...str('no-builtins'), 0, 4, ...str('target-cpu'), 0, ...str('x86-64'), 0, 6, 3, 5, 7, 92, 32, 0, 10]);
    expect(g.id).toBe(7);
    expect(g.paramIndex).toBe(FUNCTION_INDEX);
    expect([...g.attributes.enums]).toEqual(['noinline', 'uwtable', 'byval', 'range']);
    expect(g.attributes.ints.get('uwtable')).toBe(2);
    expect(g.attributes.strings).toEqual(new Map([['no-builtins', ''], ['target-cpu', 'x86-64']]));
    expect(g.attributes.incomplete).toBe(false);
  });

  it('stops at an entry it cannot decode instead of misreading the rest', () => {
    const g = decodeAttributeGroup([1, FUNCTION_INDEX, 0, 14, 9, 1, 2, 0, 37]);
    expect([...g.attributes.enums]).toEqual(['noinline']);
    expect(g.attributes.incomplete).toBe(true);
    const wide = decodeAttributeGroup([1, 0, 7, 92, 128, 1, 1, 0, 14]);
    expect(wide.attributes.incomplete).toBe(true);
    expect(wide.attributes.enums.size).toBe(0);
  });

  it('names unknown enum ids without guessing', () => {
    expect([...decodeAttributeGroup([1, FUNCTION_INDEX, 0, 999]).attributes.enums]).toEqual(['attr#999']);
  });
});
