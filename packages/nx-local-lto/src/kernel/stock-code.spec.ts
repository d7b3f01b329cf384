/**
 * KERNEL-CORE on real tools: a crate built with the tree's rustc flags as a self-contained
 * (fat-LTO) staticlib, linked by ld.lld, judged by the tree's objtool and by the machine code.
 * Positive control: the same bitcode without the rewrite fails objtool and uses SSE registers.
 */
import { execa } from 'execa';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureExecutorErrors } from '../executors/testing/quiet-logger';
import { resolveLlvmTool, resolveRustc, ResolvedTool } from '../toolchain/discover';
import { kbuildFlags } from './kbuild-flags';
import { checkSimdRegisters, KernelViolation } from './object-checks';
import { kernelRustFlags } from './rust-flags';
import { conformStockCode, formatStockCodeViolations } from './stock-code';
import { conformStockBitcode } from './stock-code-step';
import { debianDefaultTree, resolveKernelTree } from './tree';

/** Integer formatting (core::fmt: indirect calls, returns), a bounds check, and a panic handler that loops. */
const CRATE = `#![no_std]
use core::fmt::Write;
struct Buf { bytes: [u8; 32], len: usize }
impl Write for Buf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for &b in s.as_bytes() { if self.len < 32 { self.bytes[self.len] = b; self.len += 1; } }
        Ok(())
    }
}
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! { loop {} }
#[no_mangle]
pub extern "C" fn show(x: u64, i: usize, out: *mut u8) -> u8 {
    let mut b = Buf { bytes: [0; 32], len: 0 };
    let _ = write!(b, "{:>12}|{:x}", x, x);
    unsafe { core::ptr::copy_nonoverlapping(b.bytes.as_ptr(), out, b.len) };
    b.bytes[i]
}
`;

/** The same with f64 formatting: no attribute makes that kernel code. */
const FLOAT_CRATE = CRATE.replace('write!(b, "{:>12}|{:x}", x, x)', 'write!(b, "{}", x as f64 / 3.0)');

/** A function that asks for AVX2 itself, called from the export: SIMD the tree's flags turn off. */
const SIMD_CRATE = `${CRATE}
#[target_feature(enable = "avx2")]
#[inline(never)]
unsafe fn wide(p: *mut u32) { for i in 0..64 { *p.add(i) += 1; } }
#[no_mangle]
pub unsafe extern "C" fn bump(p: *mut u32) { wide(p) }
`;

describe('stock core/alloc as kernel code (KERNEL-CORE)', () => {
  let dir: string;
  let llvmLink: ResolvedTool;
  let linker: ResolvedTool;
  let objtool: string[];
  const tree = debianDefaultTree();

  beforeAll(async () => {
    captureExecutorErrors([]);
    if (!tree) throw new Error('no kernel tree: run scripts/setup.sh (installs linux-headers-amd64)');
    dir = mkdtempSync(join(tmpdir(), 'local-lto-kcore-'));
    const rustc = await resolveRustc({});
    llvmLink = await resolveLlvmTool('llvm-link', rustc, {});
    linker = await resolveLlvmTool('ld.lld', rustc, {});
    const clang = await resolveLlvmTool('clang', rustc, {});
    objtool = (await kbuildFlags(resolveKernelTree(tree, '/'), { clang: clang.path, version: clang.version }, false)).objtool;
  });
  afterAll(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  async function selfContained(name: string, source: string): Promise<string> {
    const flags = kernelRustFlags(resolveKernelTree(tree, '/').config);
    writeFileSync(join(dir, `${name}.rs`), source);
    await execa('rustc', ['--edition=2021', '--crate-type=staticlib', '-Clto=fat', '-Cpanic=abort', '-Ccodegen-units=1', '-Copt-level=2', ...flags.flags, `--emit=llvm-bc=${name}.bc,link`, '-o', `lib${name}.a`, `${name}.rs`], { cwd: dir, env: flags.env });
    return join(dir, `${name}.bc`);
  }

  async function linkAndJudge(bitcode: string): Promise<{ objtool: string; simd: string[]; check: KernelViolation[] }> {
    const object = bitcode.replace(/\.bc$/, '.o');
    await execa(linker.path, ['-r', bitcode, '-o', object]);
    const copy = `${object}.objtool.o`;
    copyFileSync(object, copy);
    const judged = await execa(objtool[0], [...objtool.slice(1), copy], { reject: false, all: true });
    const { stdout } = await execa(llvmLink.path.replace('llvm-link', 'llvm-objdump'), ['-d', '--no-show-raw-insn', object]);
    return { objtool: String(judged.all ?? ''), simd: stdout.split('\n').filter((l) => /%[xyz]mm\d|%mm\d/.test(l)), check: checkSimdRegisters(stdout) };
  }

  it('the stock code fails objtool and uses SSE registers; rewritten, objtool is clean and no SIMD register is left', async () => {
    const stock = await selfContained('fmt', CRATE);
    const before = await linkAndJudge(stock);
    // Positive control: what the kernel's judges say about core/alloc as rustc ships them.
    expect(before.objtool).toMatch(/'naked' return found in RETHUNK build|indirect (call|jump) found in RETPOLINE build/);
    expect(before.simd.length).toBeGreaterThan(0);
    // ...and the kernel checks' SIMD register judge (lld-relocatable) names the functions.
    expect(before.check.map((v) => v.message)).toEqual([expect.stringMatching(/^SIMD\/FPU registers in kernel code: .*%xmm\d+/)]);

    const kernel = join(dir, 'fmt-kernel.bc');
    copyFileSync(stock, kernel);
    await conformStockBitcode(kernel, 'fmt-kernel.bc', llvmLink, dir, false);
    const after = await linkAndJudge(kernel);
    expect(after.objtool).toBe('');
    expect(after.simd).toEqual([]);
    expect(after.check).toEqual([]);
    const { stdout } = await execa(llvmLink.path, ['-S', kernel, '-o', '-']);
    expect(stdout).not.toMatch(/"RtLibUseGOT"/);
    expect(conformStockCode(stdout).rewritten).toEqual([]); // idempotent
  });

  it('floating point fails, naming the core function and the chain from the exported function', async () => {
    const bitcode = await selfContained('float', FLOAT_CRATE);
    const { stdout } = await execa(llvmLink.path, ['-S', bitcode, '-o', '-']);
    const { violations } = conformStockCode(stdout);
    expect(violations.map((v) => v.chain[0])).toContain('show');
    await expect(conformStockBitcode(bitcode, 'float.bc', llvmLink, dir, false)).rejects.toThrow(
      /float\.bc: Rust code that cannot run in the kernel .*<f64 as core::fmt::Display>::fmt uses floating point \(double\).*pulled in by show -> <f64 as core::fmt::Display>::fmt/,
    );
    expect(formatStockCodeViolations(violations, (s) => s, 1)).toHaveLength(violations.length > 1 ? 2 : 1);
  });

  it('a function enabling AVX2 fails, naming it and the exported function that calls it', async () => {
    const bitcode = await selfContained('simd', SIMD_CRATE);
    await expect(conformStockBitcode(bitcode, 'simd.bc', llvmLink, dir, false)).rejects.toThrow(
      /simd::wide enables target feature\(s\) \S*\+avx2\S*, which the tree's flags turn off \(pulled in by bump -> simd::wide\)/,
    );
  });
});
