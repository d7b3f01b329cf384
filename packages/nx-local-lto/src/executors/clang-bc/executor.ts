import { ExecutorContext } from '@nx/devkit';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BitcodeFormatError, readBitcodeModuleInfo } from '../../bitcode/module-info';
import { LocalLtoError } from '../../errors';
import { withStagedOutputs } from '../../fs/staged-outputs';
import { clangBitcodeArgs, nativeCArgs } from '../../pipeline/commands';
import { runTool } from '../../process/run-tool';
import { taskOutput } from '../../process/task-output';
import { fallbackOf, nativeObjectPath, resolveBuildMode } from '../../toolchain/build-mode';
import { resolveRustc } from '../../toolchain/discover';
import { batchExecutor } from '../batch';
import { assertInputsExist, projectRootOf } from '../inputs';
import { isVerbose, runExecutor } from '../run-executor';
import { cBitcodePath, defaultCBitcodeDir } from './output-paths';
import { ClangBcExecutorOptions } from './schema';
import { cBitcodeStep, kernelStepFlags } from './step';
import schema from './schema.json';

async function build(options: ClangBcExecutorOptions, context: ExecutorContext): Promise<void> {
  const root = context.root;
  const projectRoot = projectRootOf(context);
  const outputDir = options.outputDir ?? defaultCBitcodeDir(projectRoot);
  assertInputsExist(root, [
    ...options.sources.map((s): [string, string] => ['sources', s]),
    ...options.includeDirs.map((d): [string, string, 'dir'] => ['includeDirs', d, 'dir']),
  ]);
  const outputs = options.sources.map((source) => cBitcodePath(outputDir, options.sourceRoot ?? projectRoot, source));
  const rustc = await resolveRustc(options);
  const mode = await resolveBuildMode(fallbackOf(options.fallback), rustc, options);
  const verbose = isVerbose(options);
  if (options.profile === 'kernel' && mode.mode !== 'lto') throw new LocalLtoError(`the kernel profile needs clang, whose flags kbuild computes for the tree (${mode.why}); fallback "native" is for the user profile`);
  const kernel = mode.mode === 'lto' ? await kernelStepFlags(options, mode.clang, root, context.projectName ?? 'module', verbose) : undefined;
  for (const [i, source] of options.sources.entries()) {
    const bitcode = outputs[i];
    const code = mode.mode === 'lto' ? bitcode : nativeObjectPath(bitcode);
    const depFile = bitcode.replace(/\.bc$/, '.d');
    await withStagedOutputs('clang-bc', [join(root, code), join(root, depFile)], async ([codeTmp, dTmp]) => {
      const step = cBitcodeStep(options, rustc.host, root, source, { bitcodeOut: codeTmp, depFileOut: dTmp, depTarget: code }, kernel);
      if (mode.mode === 'lto') {
        taskOutput.log(`  CLANG-BC ${source} -> ${code}`);
        await runTool(mode.clang.path, [...mode.clang.prefixArgs, ...clangBitcodeArgs(step)], { cwd: root, verbose });
        assertWroteBitcode(codeTmp, source, options);
      } else {
        taskOutput.log(`  CC-NATIVE ${source} -> ${code}`);
        await runTool(options.cc ?? process.env.CC ?? 'cc', nativeCArgs({ ...step, objectOut: codeTmp }), { cwd: root, verbose });
      }
    });
    // The other mode's output must not survive to be linked by mistake.
    rmSync(join(root, mode.mode === 'lto' ? nativeObjectPath(bitcode) : bitcode), { force: true });
  }
}

/**
 * A flag in `cflags` such as `-fno-lto` makes clang write a native object under the `.bc`
 * name with exit 0; fail here, naming the flag, instead of caching it as bitcode.
 */
function assertWroteBitcode(file: string, source: string, options: ClangBcExecutorOptions): void {
  try {
    readBitcodeModuleInfo(file);
  } catch (e) {
    if (!(e instanceof BitcodeFormatError)) throw e;
    const culprits = options.cflags.filter((f) => f === '-fno-lto' || f === '-S' || f === '-E');
    throw new LocalLtoError(
      `clang exited 0 but wrote no LLVM bitcode for ${source} (a native object or text instead)` +
        (culprits.length ? `: option 'cflags' has ${culprits.join(' ')}; remove it` : `: check option 'cflags'`) +
        `. clang-bc itself asks for bitcode with -flto=${options.ltoMode} (option 'ltoMode').`,
    );
  }
}

/** nx-local-lto:clang-bc: C sources to `.bc` files (+ `.d` dependency files); `.o` files in the native fallback. */
export default function clangBcExecutor(options: ClangBcExecutorOptions, context: ExecutorContext) {
  return runExecutor('clang-bc', schema, options, context, build);
}

/** Batch implementation (executors.json `batchImplementation`): many clang-bc tasks in one process. */
export const batch = batchExecutor<ClangBcExecutorOptions>('clang-bc', schema, build);
