import { join } from 'node:path';
import { readFunctionAttributes } from '../../bitcode/attributes';
import { checkLinkInputs, LinkInput } from '../../bitcode/link-checks';
import { readBitcodeModuleInfo } from '../../bitcode/module-info';
import { defaultExports } from '../../elf/symbol-policy';
import { LocalLtoError } from '../../errors';
import { readInlineRemarks, remarkFiles } from '../../inline/remarks';
import { ReportInput } from '../../inline/report';
import { lldRelocatableArgs, llvmLinkArgs } from '../../pipeline/commands';
import { runTool } from '../../process/run-tool';
import { taskOutput } from '../../process/task-output';
import { assertReadableBy } from '../../toolchain/compatibility';
import { resolveLlvmTool, ResolvedTool } from '../../toolchain/discover';
import { RustcInfo } from '../../toolchain/rustc';
import { LinkStep } from './link-step';
import { LldRelocatableExecutorOptions } from './schema';

function readLinkInput(root: string, path: string): LinkInput {
  return { path, info: readBitcodeModuleInfo(join(root, path)) };
}

/**
 * The local-LTO link: check the bitcode (data layout, triple, LTO mode, producer versions),
 * LLVM-LINK with the helpers internalized, LD-R with inline remarks. Returns what the report
 * and the symbol policy need besides the object.
 */
export async function prepareLtoLink(options: LldRelocatableExecutorOptions, rustc: RustcInfo, root: string): Promise<LinkStep> {
  const rust = readLinkInput(root, options.rustBitcode);
  const helpers = options.bitcode.map((p) => readLinkInput(root, p));
  for (const warning of checkLinkInputs(rust, helpers)) taskOutput.warn(`lld-relocatable: ${warning}`);

  const linker = await resolveLlvmTool('ld.lld', rustc, options);
  const llvmLink = options.internalize && helpers.length ? await resolveLlvmTool('llvm-link', rustc, options) : undefined;
  const inputs = [rust, ...helpers].map((i) => ({ path: join(root, i.path), info: i.info }));
  // The linker reads what llvm-link writes, which is at least as new as the inputs: check
  // the inputs against both, so the message names the input file and the lld to install.
  if (llvmLink) assertReadableBy(llvmLink, inputs, root);
  assertReadableBy(linker, inputs, root);
  if (llvmLink && llvmLink.version.major > linker.version.major) {
    throw new LocalLtoError(`llvm-link ${llvmLink.path} (LLVM ${llvmLink.version.major}) writes bitcode that ${linker.path} (LLVM ${linker.version.major}) cannot read; use tools of one LLVM major`);
  }
  const cDefined = helpers.flatMap((h) => h.info.functions.filter((f) => !f.isDeclaration).map((f) => ({ ...f, definedIn: h.path })));
  return {
    defaultExports: defaultExports(rust.info),
    objcopy: (await resolveLlvmTool('llvm-objcopy', rustc, options)).path,
    link: (out, scratch, verbose) => ltoLink(options, root, rust, helpers, linker, llvmLink, out, scratch, verbose),
    reportFacts: (scratch): Omit<ReportInput, 'object' | 'elf' | 'requireInlined'> => ({
      helpers: cDefined.filter((f) => !f.isLocal).map((f) => ({ symbol: f.name, definedIn: f.definedIn })),
      cFunctions: new Set(cDefined.map((f) => f.name)),
      remarks: readInlineRemarks(remarkFiles(join(scratch, 'remarks.yaml'))),
      modules: {
        rust: { ...rust, attributes: readFunctionAttributes(join(root, rust.path)) },
        helpers: helpers.map((h) => ({ ...h, attributes: readFunctionAttributes(join(root, h.path)) })),
      },
    }),
  };
}

async function ltoLink(
  options: LldRelocatableExecutorOptions,
  root: string,
  rust: LinkInput,
  helpers: LinkInput[],
  linker: ResolvedTool,
  llvmLink: ResolvedTool | undefined,
  out: string,
  scratch: string,
  verbose: boolean,
): Promise<void> {
  let ltoInputs = [rust.path, ...helpers.map((h) => h.path)];
  if (llvmLink) {
    const merged = join(scratch, 'merged.bc');
    taskOutput.log(`  LLVM-LINK ${rust.path} + ${helpers.length} helper bitcode file(s) (helpers internalized)`);
    await runTool(llvmLink.path, llvmLinkArgs(rust.path, helpers.map((h) => h.path), merged), { cwd: root, verbose });
    ltoInputs = [merged];
  }
  taskOutput.log(`  LD-R     ${out.slice(root.length + 1).replace(/\.tmp-[^/]*$/, '')}`);
  const remarks = join(scratch, 'remarks.yaml');
  await runTool(linker.path, [...linker.prefixArgs, ...lldRelocatableArgs([...ltoInputs, ...options.objects], out, options.ltoOptLevel, remarks)], { cwd: root, verbose });
}
