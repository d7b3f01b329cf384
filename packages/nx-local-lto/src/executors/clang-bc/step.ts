import { kbuildFlags } from '../../kernel/kbuild-flags';
import { defaultModuleName } from '../../kernel/module-name';
import { resolveKernelTree } from '../../kernel/tree';
import { CBitcodeStep } from '../../pipeline/commands';
import { ResolvedTool } from '../../toolchain/discover';
import { ClangBcExecutorOptions } from './schema';

/** Where one compile writes: the bitcode, its dependency file and the name the `.d` gives it. */
export interface CBitcodeOutputs {
  bitcodeOut: string;
  depFileOut: string;
  depTarget: string;
}

/**
 * The CLANG-BC step of one source from clang-bc's options (schema defaults applied), the
 * triple of the rustc in use (its host unless option `target`) and the workspace root.
 * The executor and compile_commands.json both build their command lines from this, so
 * the IDE sees exactly the flags of the build.
 */
export function cBitcodeStep(options: ClangBcExecutorOptions, rustcHost: string, workspaceRoot: string, source: string, out: CBitcodeOutputs, kernel?: CBitcodeStep['kernel']): CBitcodeStep {
  return {
    ...(kernel ? { kernel } : {}),
    source,
    target: options.target ?? rustcHost,
    ltoMode: options.ltoMode,
    optLevel: options.optLevel,
    profile: options.profile,
    includeDirs: options.includeDirs,
    defines: options.defines,
    cflags: options.cflags,
    workspaceRoot,
    ...out,
  };
}

/**
 * Kernel profile: kbuild's C flags for the tree (src/kernel/kbuild-flags.ts) and the module the
 * helpers belong to; undefined for other profiles. The executor and compile_commands.json
 * both take them from here.
 */
export async function kernelStepFlags(options: ClangBcExecutorOptions, clang: ResolvedTool, workspaceRoot: string, projectName: string, verbose = false): Promise<CBitcodeStep['kernel']> {
  if (options.profile !== 'kernel') return undefined;
  const tree = resolveKernelTree(options.kernelDir, workspaceRoot);
  const { cflags } = await kbuildFlags(tree, { clang: clang.path, version: clang.version }, verbose);
  return { cflags, moduleName: options.moduleName ?? defaultModuleName(projectName) };
}
