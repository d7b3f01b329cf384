import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { LocalLtoError } from '../errors';
import { assembleArgs, demangleArgs, disassembleArgs } from '../pipeline/inspect-commands';
import { runTool } from '../process/run-tool';
import { taskOutput } from '../process/task-output';
import { ResolvedTool } from '../toolchain/discover';
import { conformStockCode, formatStockCodeViolations, StockCodeViolation } from './stock-code';

/** Readable names through the llvm-cxxfilt beside llvm-link (same LLVM); the names as they are without it. */
async function demangler(llvmLink: ResolvedTool, violations: readonly StockCodeViolation[], root: string): Promise<(s: string) => string> {
  const cxxfilt = join(dirname(llvmLink.path), basename(llvmLink.path).replace('llvm-link', 'llvm-cxxfilt'));
  const names = [...new Set(violations.flatMap((v) => [v.function, ...v.chain]))];
  if (!existsSync(cxxfilt) || !names.length) return (s) => s;
  const r = await runTool(cxxfilt, demangleArgs(names), { cwd: root, verbose: false });
  const readable = new Map(names.map((n, i) => [n, r.stdout.split('\n')[i] || n]));
  return (s) => readable.get(s) ?? s;
}

/**
 * KERNEL-CORE: the self-contained Rust bitcode of a kernel-profile crate, rewritten in place so
 * that the stock core/alloc functions in it are compiled like the crate's own (the tree's
 * target features, return thunk, retpolines, SLS, no unwind tables): DIS, rewrite
 * (stock-code.ts), AS. Fails naming each function no attribute can fix and the crate code
 * that pulled it in.
 */
export async function conformStockBitcode(bitcode: string, shownAs: string, llvmLink: ResolvedTool, root: string, verbose: boolean): Promise<void> {
  const { stdout } = await runTool(llvmLink.path, disassembleArgs(bitcode), { cwd: root, verbose });
  const result = conformStockCode(stdout);
  if (result.violations.length) {
    const name = await demangler(llvmLink, result.violations, root);
    const lines = formatStockCodeViolations(result.violations, name);
    throw new LocalLtoError(
      `${shownAs}: Rust code that cannot run in the kernel (the stock core/alloc were built for user space): ${lines.join('; ')}. ` +
        'Fix: keep f32/f64 (arithmetic and {} formatting) and SIMD out of kernel code, e.g. format integers (fixed point) instead',
    );
  }
  if (!result.rewritten.length) return;
  const scratch = mkdtempSync(join(tmpdir(), 'local-lto-kcore-'));
  try {
    const ir = join(scratch, 'kernel-code.ll');
    writeFileSync(ir, result.text);
    taskOutput.log(`  KERNEL-CORE ${result.rewritten.length} function(s) (core/alloc built for user space) get the crate's kernel code attributes`);
    await runTool(llvmLink.path, assembleArgs(ir, bitcode), { cwd: root, verbose });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
