import { join } from 'node:path';
import { readBitcodeModuleInfo } from '../../bitcode/module-info';
import { defaultExports } from '../../elf/symbol-policy';
import { bitcodeToObjectArgs, lldRelocatableNoLtoArgs } from '../../pipeline/commands';
import { runTool } from '../../process/run-tool';
import { taskOutput } from '../../process/task-output';
import { resolveLlvmTool } from '../../toolchain/discover';
import { RustcInfo } from '../../toolchain/rustc';
import { LinkStep } from './link-step';
import { LldRelocatableExecutorOptions } from './schema';

/** Why every helper is a call in a `calls` build (the report's reason). */
export const CALLS_BUILD_REASON = "built file by file without LTO (mode 'calls'), for comparison";

/**
 * The `calls` build: the same bitcode as the local-LTO build, each file compiled to a native
 * object on its own (CLANG-OBJ) and linked without LTO (LD-R). Same IR, same flags, no
 * cross-file inlining: what the driver does with every helper a call, to compare against.
 */
export async function prepareCallsLink(options: LldRelocatableExecutorOptions, rustc: RustcInfo, root: string): Promise<LinkStep> {
  const rust = readBitcodeModuleInfo(join(root, options.rustBitcode));
  const helpers = options.bitcode.map((p) => ({ path: p, info: readBitcodeModuleInfo(join(root, p)) }));
  const clang = await resolveLlvmTool('clang', rustc, options);
  const linker = await resolveLlvmTool('ld.lld', rustc, options);
  const defined = helpers.flatMap((h) => h.info.functions.filter((f) => !f.isDeclaration).map((f) => ({ ...f, definedIn: h.path })));
  return {
    defaultExports: defaultExports(rust),
    objcopy: (await resolveLlvmTool('llvm-objcopy', rustc, options)).path,
    link: async (out, scratch, verbose) => {
      const objects: string[] = [];
      for (const [i, bc] of [options.rustBitcode, ...options.bitcode].entries()) {
        const obj = join(scratch, `${i}.o`);
        taskOutput.log(`  CLANG-OBJ ${bc}`);
        await runTool(clang.path, [...clang.prefixArgs, ...bitcodeToObjectArgs(bc, rust.triple || rustc.host, options.profile, obj)], { cwd: root, verbose });
        objects.push(obj);
      }
      taskOutput.log(`  LD-R     (no LTO) ${out.slice(root.length + 1).replace(/\.tmp-[^/]*$/, '')}`);
      await runTool(linker.path, [...linker.prefixArgs, ...lldRelocatableNoLtoArgs([...objects, ...options.objects], out)], { cwd: root, verbose });
    },
    reportFacts: async () => ({
      helpers: defined.filter((f) => !f.isLocal).map((f) => ({ symbol: f.name, definedIn: f.definedIn })),
      cFunctions: new Set(defined.map((f) => f.name)),
      remarks: [],
      nativeFallback: { reason: CALLS_BUILD_REASON, packages: [], detail: 'each bitcode file was compiled on its own and linked without LTO', fix: "use mode 'lto' (the default) for helpers inlined" },
    }),
  };
}
