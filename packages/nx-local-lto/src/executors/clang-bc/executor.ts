import { ExecutorContext } from '@nx/devkit';
import { join } from 'node:path';
import { BitcodeFormatError, readBitcodeModuleInfo } from '../../bitcode/module-info';
import { LocalLtoError } from '../../errors';
import { withStagedOutputs } from '../../fs/staged-outputs';
import { clangBitcodeArgs } from '../../pipeline/commands';
import { runTool } from '../../process/run-tool';
import { resolveLlvmTool, resolveRustc } from '../../toolchain/discover';
import { assertInputsExist, projectRootOf } from '../inputs';
import { isVerbose, runExecutor } from '../run-executor';
import { cBitcodePath, defaultCBitcodeDir } from './output-paths';
import { ClangBcExecutorOptions } from './schema';
import { cBitcodeStep } from './step';
import schema from './schema.json';

async function build(options: ClangBcExecutorOptions, context: ExecutorContext): Promise<void> {
  const root = context.root;
  const projectRoot = projectRootOf(context);
  const outputDir = options.outputDir ?? defaultCBitcodeDir(projectRoot);
  assertInputsExist(root, [
    ...options.sources.map((s): [string, string] => ['sources', s]),
    ...options.includeDirs.map((d): [string, string] => ['includeDirs', d]),
  ]);
  const outputs = options.sources.map((source) => cBitcodePath(outputDir, projectRoot, source));
  const rustc = await resolveRustc(options);
  const clang = await resolveLlvmTool('clang', rustc, options);
  const verbose = isVerbose(options);
  for (const [i, source] of options.sources.entries()) {
    const bitcode = outputs[i];
    const depFile = bitcode.replace(/\.bc$/, '.d');
    await withStagedOutputs('clang-bc', [join(root, bitcode), join(root, depFile)], async ([bcTmp, dTmp]) => {
      const args = clangBitcodeArgs(cBitcodeStep(options, rustc.host, root, source, { bitcodeOut: bcTmp, depFileOut: dTmp, depTarget: bitcode }));
      console.log(`  CLANG-BC ${source} -> ${bitcode}`);
      await runTool(clang.path, [...clang.prefixArgs, ...args], { cwd: root, verbose });
      assertWroteBitcode(bcTmp, source, options);
    });
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

/** nx-local-lto:clang-bc: C sources to `.bc` files (+ `.d` dependency files). */
export default function clangBcExecutor(options: ClangBcExecutorOptions, context: ExecutorContext) {
  return runExecutor('clang-bc', schema, options, context, build);
}
