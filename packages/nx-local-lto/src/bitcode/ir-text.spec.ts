import { parseIrText } from './ir-text';

describe('parseIrText', () => {
  const ir = [
    'define noundef i64 @driver_entry(i64 noundef %lo, i64 noundef %hi) unnamed_addr #0 {',
    'start:',
    '  %a = tail call noundef i64 @helper_mix({ i64, i64 } %p) #1',
    '  %b = call i64 @helper_mix({ i64, i64 } %q)',
    '  call void @llvm.lifetime.start.p0(ptr %x)',
    '  call void %fnptr(ptr @some_global)',
    '  ret i64 %b',
    '}',
    'declare noundef i64 @helper_mix({ i64, i64 }) unnamed_addr #0',
    'define internal { i64, i64 } @"_ZN3foo$LT$T$GT$3bar17h0123456789abcdefE"(ptr noundef nonnull align 8 %s, <2 x double> %v, ...) {',
    '  ret { i64, i64 } zeroinitializer',
    '}',
  ].join('\n');
  const facts = parseIrText(ir);

  it('counts every direct call per caller and callee (intrinsics and indirect calls excluded)', () => {
    expect([...facts.calls.get('driver_entry')!]).toEqual([['helper_mix', 2]]);
  });

  it('reads signatures without attributes or names', () => {
    expect(facts.signatures.get('helper_mix')).toBe('i64 ({ i64, i64 })');
    expect(facts.signatures.get('driver_entry')).toBe('i64 (i64, i64)');
    expect(facts.signatures.get('_ZN3foo$LT$T$GT$3bar17h0123456789abcdefE')).toBe('{ i64, i64 } (ptr, <2 x double>, ...)');
  });
});
