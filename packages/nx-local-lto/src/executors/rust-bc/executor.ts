import { ExecutorContext } from '@nx/devkit';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLtoError } from '../../errors';
import { withStagedOutputs } from '../../fs/staged-outputs';
import { rustBitcodeArgs, rustRuntimeArgs, sanitizeRustFlags } from '../../pipeline/commands';
import { runTool } from '../../process/run-tool';
import { taskOutput } from '../../process/task-output';
import { kernelRustFlags } from '../../kernel/rust-flags';
import { resolveKernelTree } from '../../kernel/tree';
import { fallbackOf, nativeObjectPath, resolveBuildMode } from '../../toolchain/build-mode';
import { resolveLlvmTool, resolveRustc } from '../../toolchain/discover';
import { conformStockBitcode } from '../../kernel/stock-code-step';
import { batchExecutor } from '../batch';
import { assertInputsExist, projectRootOf } from '../inputs';
import { isVerbose, runExecutor } from '../run-executor';
import { defaultCrateName, defaultRustBitcodePath, rustOutputPaths } from './output-paths';
import { rustBitcodeStep } from './step';
import { RustBcExecutorOptions } from './schema';
import schema from './schema.json';

export { defaultCrateName, defaultRustBitcodePath };

async function build(options: RustBcExecutorOptions, context: ExecutorContext): Promise<void> {
  const root = context.root;
  const { crateName, bitcode, depInfo, metadata } = rustOutputPaths(options, options.outputPath ? '' : projectRootOf(context), context.projectName ?? '');
  assertInputsExist(root, [
    ['crateRoot', options.crateRoot],
    ...Object.entries(options.externs).map(([n, p]): [string, string] => [`externs.${n}`, p]),
    ...Object.entries(options.bindings).map(([n, p]): [string, string] => [`bindings.${n}`, p]),
  ], context);
  // Absolute: include! resolves a relative path against the including source file.
  const env = Object.fromEntries(Object.entries(options.bindings).map(([name, p]) => [name, join(root, p)]));

  const fromEnv = (process.env.RUSTFLAGS ?? '').split(/\s+/).filter(Boolean);
  const { flags, ignored } = sanitizeRustFlags([...options.rustflags, ...fromEnv]);
  for (const { flag, why } of ignored) taskOutput.warn(`rust-bc: ignoring '${flag}': ${why}`);

  const rustc = await resolveRustc(options);
  const fallback = fallbackOf(options.fallback);
  // Only a native-fallback build asks whether clang is there: rustc itself needs no clang.
  const native = fallback === 'native' && (await resolveBuildMode(fallback, rustc, options)).mode === 'native';
  const code = native ? nativeObjectPath(bitcode) : bitcode;
  const kernel = options.profile === 'kernel' ? kernelRustFlags(resolveKernelTree(options.kernelDir, root).config) : undefined;
  const finals = [code, depInfo, ...(metadata ? [metadata] : [])].map((p) => join(root, p));
  const scratch = options.selfContained ? mkdtempSync(join(tmpdir(), 'local-lto-rustc-')) : undefined;
  // A self-contained kernel module carries stock core/alloc code: made kernel code after rustc (KERNEL-CORE).
  const llvmLink = kernel && scratch && !native ? await resolveLlvmTool('llvm-link', rustc, options) : undefined;
  try {
    const externs = scratch ? await selfContainedExterns(options, root, scratch, rustc.path, context, kernel) : options.externs;
    await withStagedOutputs('rust-bc', finals, async ([codeTmp, dTmp, rmetaTmp]) => {
      const args = rustBitcodeArgs(
        rustBitcodeStep(options, crateName, flags, root, {
          bitcodeOut: codeTmp,
          depInfoOut: dTmp,
          metadataOut: rmetaTmp,
          ...(native ? { nativeObjectOut: codeTmp } : {}),
          ...(scratch ? { selfContained: { libOut: join(scratch, `lib${crateName}.a`) } } : {}),
        }, { externs, ...(kernel ? { kernelRustflags: kernel.flags } : {}) }),
      );
      taskOutput.log(`  ${native ? 'RUSTC-OBJ' : 'RUSTC-BC'} ${options.crateRoot} -> ${code}`);
      const toolEnv = { ...(kernel?.env ?? {}), ...env };
      const { stderr } = await runTool(rustc.path, args, { cwd: root, verbose: isVerbose(options), ...(Object.keys(toolEnv).length ? { env: toolEnv } : {}) });
      if (/ignoring emit path because multiple/.test(stderr)) {
        throw new LocalLtoError(`rustc split ${options.crateRoot} into several codegen units; check rustflags and RUSTFLAGS`);
      }
      if (llvmLink) await conformStockBitcode(codeTmp, code, llvmLink, root, isVerbose(options));
      // rustc names the temporaries in its dep-info; name the final outputs instead.
      const temporaries = [codeTmp, dTmp, rmetaTmp];
      let depText = readFileSync(dTmp, 'utf8');
      temporaries.forEach((t, i) => t && (depText = depText.split(t).join(finals[i].slice(root.length + 1))));
      // A self-contained build's staticlib is scratch: not an output, so no rule for it.
      if (scratch) depText = depText.split('\n').filter((line) => !line.startsWith(scratch)).join('\n');
      // Included bindings and their env-dep lines come with absolute paths: make them relative.
      // make's escaping in rule lines writes a space of the root as '\ '.
      for (const prefix of [`${root}/`, `${root.replace(/ /g, '\\ ')}/`]) depText = depText.split(prefix).join('');
      writeFileSync(dTmp, depText);
    });
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  // The other mode's output must not survive to be linked by mistake.
  rmSync(join(root, native ? bitcode : nativeObjectPath(bitcode)), { force: true });
}

/**
 * The externs of a self-contained build: none from `externs` (rust-crate libraries give
 * .rmeta, a staticlib needs rlibs with bitcode), plus the plugin runtime built into `scratch`
 * (RUSTC-RT) when `runtimeCrateRoot` is set.
 */
async function selfContainedExterns(
  options: RustBcExecutorOptions,
  root: string,
  scratch: string,
  rustc: string,
  context: ExecutorContext,
  kernel: ReturnType<typeof kernelRustFlags> | undefined,
): Promise<Record<string, string>> {
  if (Object.keys(options.externs).length) {
    throw new LocalLtoError(`option 'selfContained' cannot be used with 'externs' (${Object.keys(options.externs).join(', ')}): a self-contained build links rlibs with bitcode, and rust-crate libraries give .rmeta; build the driver through cargo instead (a Cargo.toml beside local-lto.json)`);
  }
  if (!options.runtimeCrateRoot) return {};
  assertInputsExist(root, [['runtimeCrateRoot', options.runtimeCrateRoot]], context);
  const rlib = join(scratch, 'liblocal_lto_rt.rlib');
  taskOutput.log(`  RUSTC-RT ${options.runtimeCrateRoot}`);
  const args = rustRuntimeArgs({ crateRoot: options.runtimeCrateRoot, features: options.runtimeFeatures, optLevel: options.optLevel, target: options.target, profile: options.profile, workspaceRoot: root, rlibOut: rlib, ...(kernel ? { kernelRustflags: kernel.flags } : {}) });
  await runTool(rustc, args, { cwd: root, verbose: isVerbose(options), env: kernel?.env });
  return { local_lto_rt: rlib };
}

/**
 * nx-local-lto:rust-bc: one crate root to one `.bc` (+ `.d`, + `.rmeta` with emitMetadata);
 * in the native fallback a `.o` beside where the `.bc` would be.
 */
export default function rustBcExecutor(options: RustBcExecutorOptions, context: ExecutorContext) {
  return runExecutor('rust-bc', schema, options, context, build);
}

/** Batch implementation (executors.json `batchImplementation`): many rust-bc tasks in one process. */
export const batch = batchExecutor<RustBcExecutorOptions>('rust-bc', schema, build);
