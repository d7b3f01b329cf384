import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BitcodeFormatError, producerLlvmVersion, readBitcodeModuleInfo } from './module-info';

// Real rustc and clang-22 output: the reader is checked on what the pipeline really reads.
describe('readBitcodeModuleInfo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bc-info-'));
  writeFileSync(join(dir, 'lib.rs'), '#![no_std]\nextern "C" { fn h(x: u32) -> u32; }\n#[no_mangle] pub extern "C" fn entry(x: u32) -> u32 { unsafe { h(x) } }\n');
  writeFileSync(join(dir, 'h.c'), 'static inline unsigned in_(unsigned x) { return x * 3; }\nunsigned h(unsigned x) { return in_(x); }\nstatic unsigned keep(unsigned x) { return x; }\nunsigned (*p)(unsigned) = keep;\n');
  execFileSync('rustc', ['-O', '--crate-type=lib', '-Cpanic=abort', '-Ccodegen-units=1', '--emit=llvm-bc', '-o', join(dir, 'rust.bc'), join(dir, 'lib.rs')]);
  execFileSync('clang-22', ['--target=x86_64-unknown-linux-gnu', '-O2', '-flto=thin', '-c', join(dir, 'h.c'), '-o', join(dir, 'thin.bc')]);
  execFileSync('clang-22', ['--target=x86_64-unknown-linux-gnu', '-O2', '-c', '-emit-llvm', join(dir, 'h.c'), '-o', join(dir, 'plain.bc')]);
  execFileSync('clang-22', ['--target=i686-linux-gnu', '-O2', '-flto=thin', '-c', join(dir, 'h.c'), '-o', join(dir, 'i686.bc')]);

  it('reads rustc bitcode: producer, triple, ThinLTO summary, functions', () => {
    const info = readBitcodeModuleInfo(join(dir, 'rust.bc'));
    expect(info.producer).toMatch(/^LLVM\d+\.\d+\.\d+-rust-/);
    expect(info.triple).toBe('x86_64-unknown-linux-gnu');
    expect(info.dataLayout).toMatch(/^e-m:e-/);
    expect(info.ltoMode).toBe('thin');
    expect(info.functions).toEqual(
      expect.arrayContaining([
        { name: 'entry', isDeclaration: false, isLocal: false },
        { name: 'h', isDeclaration: true, isLocal: false },
      ]),
    );
  });

  it('tells clang -flto=thin bitcode from plain -emit-llvm bitcode', () => {
    expect(readBitcodeModuleInfo(join(dir, 'thin.bc')).ltoMode).toBe('thin');
    expect(readBitcodeModuleInfo(join(dir, 'plain.bc')).ltoMode).toBe('full');
  });

  it('sees internal linkage and other triples', () => {
    const info = readBitcodeModuleInfo(join(dir, 'thin.bc'));
    expect(info.functions.find((f) => f.name === 'h')).toEqual({ name: 'h', isDeclaration: false, isLocal: false });
    expect(info.functions.find((f) => f.name === 'keep')?.isLocal).toBe(true);
    const i686 = readBitcodeModuleInfo(join(dir, 'i686.bc'));
    expect(i686.triple).toBe('i686-unknown-linux-gnu');
    expect(i686.dataLayout).not.toBe(info.dataLayout);
  });

  it('names the file when it is not bitcode or is truncated', () => {
    writeFileSync(join(dir, 'text.bc'), 'not bitcode');
    expect(() => readBitcodeModuleInfo(join(dir, 'text.bc'))).toThrow(BitcodeFormatError);
    expect(() => readBitcodeModuleInfo(join(dir, 'text.bc'))).toThrow(/text\.bc: not readable as LLVM bitcode/);
    const whole = require('node:fs').readFileSync(join(dir, 'rust.bc'));
    writeFileSync(join(dir, 'cut.bc'), whole.subarray(0, 64));
    expect(() => readBitcodeModuleInfo(join(dir, 'cut.bc'))).toThrow(/cut\.bc: not readable as LLVM bitcode/);
  });
});

describe('producerLlvmVersion', () => {
  it('reads rustc and clang producer strings', () => {
    expect(producerLlvmVersion('LLVM22.1.2-rust-1.95.0-stable')).toEqual({ major: 22, minor: 1, patch: 2 });
    expect(producerLlvmVersion('LLVM22.1.8')).toEqual({ major: 22, minor: 1, patch: 8 });
    expect(producerLlvmVersion('APPLE_1_1500')).toBeUndefined();
  });
});
