import { ExecutorContext } from '@nx/devkit';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ElfObject, ET_REL, readElf } from '../../elf/elf';
import type { KernelReport } from '../../kernel/object-checks';
import { applyExports } from '../../elf/symbol-policy';
import { LocalLtoError } from '../../errors';
import { withStagedOutputs } from '../../fs/staged-outputs';
import { formatObjectSize, objectSize } from '../../inline/object-size';
import { buildInlineReport, InlineReport as BaseInlineReport } from '../../inline/report';

type InlineReport = BaseInlineReport & { kernel?: KernelReport };
import { formatInlineTable } from '../../inline/table';
import { localizeArgs } from '../../pipeline/commands';
import { runTool } from '../../process/run-tool';
import { taskOutput } from '../../process/task-output';
import { fallbackOf, resolveBuildMode } from '../../toolchain/build-mode';
import { resolveLlvmTool, resolveRustc } from '../../toolchain/discover';
import { batchExecutor } from '../batch';
import { assertInputsExist, projectRootOf } from '../inputs';
import { isVerbose, runExecutor } from '../run-executor';
import { prepareCallsLink } from './link-calls';
import { prepareLtoLink } from './link-lto';
import { prepareNativeLink } from './link-native';
import { LinkStep } from './link-step';
import { LldRelocatableExecutorOptions } from './schema';
import schema from './schema.json';

/** Default object path of a driver: dist/<projectRoot>/<projectName>.o. */
export function defaultObjectPath(projectRoot: string, projectName: string): string {
  return join('dist', projectRoot, `${projectName}.o`);
}

/** Local LTO, or the native fallback when clang is missing and `fallback` is "native". */
async function prepareLink(options: LldRelocatableExecutorOptions, root: string, context: ExecutorContext): Promise<LinkStep> {
  const rustc = await resolveRustc(options);
  const fallback = fallbackOf(options.fallback);
  const mode = fallback === 'native' ? await resolveBuildMode(fallback, rustc, options) : undefined;
  if (mode?.mode === 'native') return prepareNativeLink(options, rustc, root, mode.why);
  assertInputsExist(root, [['rustBitcode', options.rustBitcode], ...options.bitcode.map((p): [string, string] => ['bitcode', p])], context);
  return options.mode === 'calls' ? prepareCallsLink(options, rustc, root) : prepareLtoLink(options, rustc, root);
}

/**
 * LOCALIZE: the symbol policy. Every defined symbol that `exports` (default: the crate's
 * `#[no_mangle]` items) does not name becomes LOCAL, so helpers, support-crate code and
 * Rust-mangled functions never clash between drivers (case 06).
 */
async function applySymbolPolicy(step: LinkStep, options: LldRelocatableExecutorOptions, object: string, scratch: string, root: string, verbose: boolean): Promise<void> {
  const exports = options.exports ?? step.defaultExports;
  const { keep, localize, unmatched } = applyExports(readElf(object), exports);
  for (const pattern of unmatched) taskOutput.warn(`lld-relocatable: option 'exports' entry '${pattern}' matches no symbol the object defines`);
  if (localize.length === 0) return;
  const keepFile = join(scratch, 'exports.txt');
  writeFileSync(keepFile, keep.map((k) => `${k}\n`).join(''));
  taskOutput.log(`  LOCALIZE ${localize.length} symbol(s); global: ${keep.join(', ') || '(none)'}`);
  await runTool(step.objcopy, localizeArgs(object, keepFile), { cwd: root, verbose });
}

async function build(options: LldRelocatableExecutorOptions, context: ExecutorContext): Promise<void> {
  const root = context.root;
  const output = options.output ?? defaultObjectPath(projectRootOf(context), context.projectName ?? 'driver');
  const reportPath = options.report ?? join(dirname(output), 'inline-report.json');
  assertInputsExist(root, options.objects.map((p): [string, string] => ['objects', p]), context);
  const step = await prepareLink(options, root, context);
  const verbose = isVerbose(options);
  const scratch = mkdtempSync(join(tmpdir(), 'local-lto-'));
  try {
    const report = await withStagedOutputs('lld-relocatable', [join(root, output), join(root, reportPath)], async ([objTmp, reportTmp]) => {
      await step.link(objTmp, scratch, verbose);
      if (readElf(objTmp).type !== ET_REL) throw new LocalLtoError(`the linker did not write a relocatable object to ${output}`);
      await applySymbolPolicy(step, options, objTmp, scratch, root, verbose);
      const facts = await step.reportFacts(scratch, verbose);
      const elf = readElf(objTmp);
      const result = { ...buildInlineReport({ object: output, elf, requireInlined: options.requireInlined, ...facts }), size: objectSize(elf, facts.cFunctions) };
      const kernel = options.profile === 'kernel' ? await checkKernelObject(options, root, objTmp, output, elf, facts, verbose) : undefined;
      const full: InlineReport = kernel ? { ...result, kernel } : result;
      writeFileSync(reportTmp, JSON.stringify(full, null, 2) + '\n');
      return full;
    });
    enforcePolicy(report, reportPath, options);
    if (report.kernel) enforceKernelPolicy(report.kernel, reportPath, options);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Link-readiness: a symbol only the Rust runtime defines, left undefined, makes the final
 * (C or kernel) link fail; say so now, with the function that needs it and what to do.
 */
function enforceRuntimeSymbols(report: InlineReport, reportPath: string, options: LldRelocatableExecutorOptions): void {
  const runtime = report.undefinedSymbols.filter((u) => u.rustRuntime);
  if (!runtime.length) return;
  const what = runtime.map((u) => `${u.demangled}${u.referencedBy.length ? ` (needed by ${u.referencedBy.join(', ')})` : ''}`).join('; ');
  const message =
    `${report.object} leaves ${runtime.length === 1 ? 'a symbol' : `${runtime.length} symbols`} undefined that only the Rust runtime defines, so the final link will fail: ${what}. ` +
    `Fix: avoid the panic or allocation path in that code (e.g. slice.get(i) instead of slice[i], checked or wrapping arithmetic), or link the Rust runtime into the object, ` +
    `or set lld-relocatable option runtimeSymbols "warn" (manifest key "runtimeSymbols") if the final link provides it (see ${reportPath})`;
  if (options.runtimeSymbols === 'warn') taskOutput.warn(`lld-relocatable: ${message}`);
  else throw new LocalLtoError(message);
}

/** The kernel checks on the object as the kernel will see it (src/kernel/check-object.ts). */
async function checkKernelObject(options: LldRelocatableExecutorOptions, root: string, object: string, shownAs: string, elf: ElfObject, facts: Awaited<ReturnType<LinkStep['reportFacts']>>, verbose: boolean): Promise<KernelReport> {
  // Loaded here: a user-profile link (most of them, each its own process on the command route) never needs them.
  const [{ resolveKernelTree }, { kbuildFlags }, { kernelObjectViolations }] = await Promise.all([import('../../kernel/tree'), import('../../kernel/kbuild-flags'), import('../../kernel/check-object')]);
  const tree = resolveKernelTree(options.kernelDir, root);
  const rustc = await resolveRustc(options);
  const clang = await resolveLlvmTool('clang', rustc, options);
  const { objtool } = await kbuildFlags(tree, { clang: clang.path, version: clang.version }, verbose);
  const rust = facts.modules?.rust;
  const violations = await kernelObjectViolations({
    object,
    shownAs,
    elf,
    tree,
    objtool,
    flags: options.flags,
    ...(rust ? { rust: { attributes: rust.attributes, defined: rust.info.functions.filter((f) => !f.isDeclaration).map((f) => f.name) } } : {}),
    helpers: (facts.modules?.helpers ?? []).map((h) => h.attributes),
    // llvm-objdump comes with llvm-objcopy (Debian llvm-<M>).
    objdump: (await resolveLlvmTool('llvm-objcopy', rustc, options)).path.replace(/objcopy(?=[^/]*$)/, 'objdump'),
    verbose,
  });
  return { tree: tree.dir, release: tree.release, checks: ['relocations', 'exported symbols', 'hardening', 'simd registers', 'objtool'], violations };
}

function enforceKernelPolicy(kernel: KernelReport, reportPath: string, options: LldRelocatableExecutorOptions): void {
  if (!kernel.violations.length) {
    taskOutput.log(`  KERNEL   ${kernel.release}: loader relocations, exported symbols, hardening, SIMD registers and objtool clean`);
    return;
  }
  for (const v of kernel.violations) taskOutput.warn(`lld-relocatable: kernel ${kernel.release}: ${v.message}`);
  const message = `${kernel.violations.length} kernel check(s) failed for ${kernel.release} (see above and ${reportPath})`;
  if (options.kernelPolicy === 'error') throw new LocalLtoError(message);
  taskOutput.warn(`lld-relocatable: ${message}; kernelPolicy is 'warn', so the object is kept`);
}

function enforcePolicy(report: InlineReport, reportPath: string, options: LldRelocatableExecutorOptions): void {
  taskOutput.log(formatInlineTable(report));
  if (report.size) taskOutput.log(`  ${formatObjectSize(report.size)}`);
  enforceRuntimeSymbols(report, reportPath, options);
  if (report.build === 'native') return;
  const { requiredCalls, featureViolations } = report.summary;
  if (requiredCalls === 0 && featureViolations === 0) return;
  const problems = [
    ...(requiredCalls ? [`${requiredCalls} call site(s) of helpers matching ${options.requireInlined.join(', ')} were not inlined`] : []),
    ...report.featureViolations.map((v) => v.message),
  ];
  const message = `${problems.join('; ')} (see the table above and ${reportPath})`;
  if (options.inlinePolicy === 'error') throw new LocalLtoError(message);
  taskOutput.warn(`lld-relocatable: ${message}`);
}

/** nx-local-lto:lld-relocatable: bitcode to one ELF relocatable object + inline-report.json. */
export default function lldRelocatableExecutor(options: LldRelocatableExecutorOptions, context: ExecutorContext) {
  return runExecutor('lld-relocatable', schema, options, context, build);
}

/** Batch implementation (executors.json `batchImplementation`): many lld-relocatable tasks in one process. */
export const batch = batchExecutor<LldRelocatableExecutorOptions>('lld-relocatable', schema, build);
