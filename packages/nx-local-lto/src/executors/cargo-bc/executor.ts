import { ExecutorContext } from '@nx/devkit';
import { existsSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { LocalLtoError } from '../../errors';
import { withStagedOutputs } from '../../fs/staged-outputs';
import { CARGO_OVERRIDING_ENV, cargoBitcodeArgs } from '../../pipeline/cargo-commands';
import { sanitizeRustFlags } from '../../pipeline/commands';
import { kernelRustFlags } from '../../kernel/rust-flags';
import { resolveKernelTree } from '../../kernel/tree';
import { runTool } from '../../process/run-tool';
import { taskOutput } from '../../process/task-output';
import { fallbackOf, nativeObjectPath, resolveBuildMode } from '../../toolchain/build-mode';
import { resolveLlvmTool, resolveRustc } from '../../toolchain/discover';
import { conformStockBitcode } from '../../kernel/stock-code-step';
import { batchExecutor } from '../batch';
import { assertInputsExist, projectRootOf } from '../inputs';
import { isVerbose, runExecutor } from '../run-executor';
import { defaultCrateName, defaultRustBitcodePath } from '../rust-bc/executor';
import { CargoBcExecutorOptions } from './schema';
import schema from './schema.json';

/** Default cargo target folder of a project: dist/<projectRoot>/cargo. */
export function defaultCargoTargetDir(projectRoot: string): string {
  return join('dist', projectRoot, 'cargo');
}

/** CARGO_HOME as cargo resolves it (registry sources live below it). */
export function cargoHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.CARGO_HOME || join(homedir(), '.cargo');
}

async function build(options: CargoBcExecutorOptions, context: ExecutorContext): Promise<void> {
  const root = context.root;
  const projectRoot = projectRootOf(context);
  const crateName = options.crateName ?? defaultCrateName(context.projectName ?? '');
  const bitcode = options.outputPath ?? defaultRustBitcodePath(projectRoot, crateName);
  assertInputsExist(root, [['manifestPath', options.manifestPath]], context);
  const lock = options.lockFile ?? join(dirname(options.manifestPath), 'Cargo.lock');
  if (!existsSync(join(root, lock))) {
    throw new LocalLtoError(`${lock} (option 'lockFile') is missing: cargo-bc builds with --locked; run 'cargo generate-lockfile --manifest-path ${options.manifestPath}' and commit the Cargo.lock it writes`);
  }

  const fromEnv = (process.env.RUSTFLAGS ?? '').split(/\s+/).filter(Boolean);
  const { flags, ignored } = sanitizeRustFlags([...options.rustflags, ...fromEnv]);
  for (const { flag, why } of ignored) taskOutput.warn(`cargo-bc: ignoring '${flag}': ${why}`);

  const rustc = await resolveRustc(options);
  const fallback = fallbackOf(options.fallback);
  // Only a native-fallback build asks whether clang is there: cargo itself needs no clang.
  const native = fallback === 'native' && (await resolveBuildMode(fallback, rustc, options)).mode === 'native';
  const code = native ? nativeObjectPath(bitcode) : bitcode;
  const kernel = options.profile === 'kernel' ? kernelRustFlags(resolveKernelTree(options.kernelDir, root).config) : undefined;
  // The object carries stock core/alloc code: made kernel code after cargo (KERNEL-CORE).
  const llvmLink = kernel && !native ? await resolveLlvmTool('llvm-link', rustc, options) : undefined;
  await withStagedOutputs('cargo-bc', [join(root, code)], async ([codeTmp]) => {
    const args = cargoBitcodeArgs({
      manifestPath: options.manifestPath,
      targetDir: options.targetDir ?? defaultCargoTargetDir(projectRoot),
      target: options.target ?? rustc.host,
      optLevel: options.optLevel,
      profile: options.profile,
      rustflags: flags,
      workspaceRoot: root,
      cargoHome: cargoHome(),
      bitcodeOut: codeTmp,
      ...(native ? { nativeObjectOut: codeTmp } : {}),
      rustc: rustc.path,
      ...(kernel ? { kernelRustflags: kernel.flags } : {}),
    });
    taskOutput.log(`  ${native ? 'CARGO-OBJ' : 'CARGO-BC'} ${options.manifestPath} -> ${code}`);
    const cargo = options.cargo ?? process.env.CARGO ?? 'cargo';
    await runTool(cargo, args, { cwd: root, verbose: isVerbose(options), unsetEnv: CARGO_OVERRIDING_ENV, env: kernel?.env });
    if (!existsSync(codeTmp)) throw new LocalLtoError(`cargo exited 0 but wrote no ${native ? 'object' : 'bitcode'} for ${options.manifestPath}; check option 'rustflags'`);
    if (llvmLink) await conformStockBitcode(codeTmp, code, llvmLink, root, isVerbose(options));
  });
  // The other mode's output must not survive to be linked by mistake.
  rmSync(join(root, native ? bitcode : nativeObjectPath(bitcode)), { force: true });
}

/**
 * nx-local-lto:cargo-bc: a Cargo package (with its Cargo.lock) to one `.bc` holding the
 * crate, its dependencies and the core/alloc code it uses; in the native fallback the same
 * module as a native `.o` beside where the `.bc` would be.
 */
export default function cargoBcExecutor(options: CargoBcExecutorOptions, context: ExecutorContext) {
  return runExecutor('cargo-bc', schema, options, context, build);
}

/** Batch implementation (executors.json `batchImplementation`). */
export const batch = batchExecutor<CargoBcExecutorOptions>('cargo-bc', schema, build);
