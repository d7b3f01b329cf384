import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFunctionAttributes } from '../../bitcode/attributes';
import { checkLinkInputs, LinkInput } from '../../bitcode/link-checks';
import { readBitcodeModuleInfo } from '../../bitcode/module-info';
import { parseIrText } from '../../bitcode/ir-text';
import { readElf } from '../../elf/elf';
import { nativeObjectSymbols, NativeObjectSymbols } from '../../elf/native-objects';
import { defaultExports } from '../../elf/symbol-policy';
import { LocalLtoError } from '../../errors';
import { readInlineRemarks, remarkFiles } from '../../inline/remarks';
import { ReportInput } from '../../inline/report';
import { llvmFeatureOracle } from '../../inline/target-features';
import { lldRelocatableArgs, llvmLinkArgs } from '../../pipeline/commands';
import { disassembleArgs, keepModuleText } from '../../pipeline/inspect-commands';
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
  const natives = options.objects.map((p) => nativeObjectSymbols(p, readElf(join(root, p))));
  const keep = keptForNativeObjects(rust, helpers, natives);
  const cDefined = helpers.flatMap((h) => h.info.functions.filter((f) => !f.isDeclaration).map((f) => ({ ...f, definedIn: h.path })));
  // Reading IR as text and asking LLVM about target features both need the LLVM tools.
  const dis = llvmLink ?? (helpers.length ? await resolveLlvmTool('llvm-link', rustc, options) : undefined);
  const clang = helpers.length ? await resolveLlvmTool('clang', rustc, options) : undefined;
  return {
    defaultExports: [...new Set([...defaultExports(rust.info), ...natives.flatMap((n) => n.exports)])].sort(),
    objcopy: (await resolveLlvmTool('llvm-objcopy', rustc, options)).path,
    link: (out, scratch, verbose) => ltoLink(options, root, rust, helpers, linker, llvmLink, keep, out, scratch, verbose),
    reportFacts: async (scratch, verbose): Promise<Omit<ReportInput, 'object' | 'elf' | 'requireInlined'>> => {
      const ir = async (path: string) => (dis ? parseIrText((await runTool(dis.path, disassembleArgs(path), { cwd: root, verbose })).stdout) : undefined);
      // One llvm-link -S per module, run side by side (each is a short process start).
      const [rustIr, ...helperIr] = await Promise.all([rust, ...helpers].map((m) => ir(m.path)));
      const helperSignatures = new Map<string, string>();
      for (const [i, h] of helpers.entries()) {
        const facts = helperIr[i];
        for (const f of h.info.functions.filter((fn) => !fn.isDeclaration)) {
          const sig = facts?.signatures.get(f.name);
          if (sig && !helperSignatures.has(f.name)) helperSignatures.set(f.name, sig);
        }
      }
      return {
        helpers: cDefined.filter((f) => !f.isLocal).map((f) => ({ symbol: f.name, definedIn: f.definedIn })),
        cFunctions: new Set(cDefined.map((f) => f.name)),
        remarks: readInlineRemarks(remarkFiles(join(scratch, 'remarks.yaml'))),
        ...(rustIr ? { rustCalls: rustIr.calls, signatures: { rust: rustIr.signatures, helpers: helperSignatures } } : {}),
        ...(clang
          ? {
              modules: {
                rust: { ...rust, attributes: readFunctionAttributes(join(root, rust.path)) },
                helpers: helpers.map((h) => ({ ...h, attributes: readFunctionAttributes(join(root, h.path)) })),
                features: llvmFeatureOracle(clang.path, verbose),
              },
            }
          : {}),
      };
    },
  };
}

/**
 * The helper-side symbols the native objects (`objects`) use: they must survive
 * internalization (F17), or the object is left with an undefined hidden symbol. A symbol
 * that a native object and the bitcode both define fails the build: internalized, it
 * would silently become two symbols where a normal link reports a duplicate.
 */
function keptForNativeObjects(rust: LinkInput, helpers: readonly LinkInput[], natives: readonly NativeObjectSymbols[]): { functions: string[]; variables: string[] } {
  const definedIn = new Map<string, string>();
  for (const m of [rust, ...helpers]) {
    for (const s of [...m.info.functions, ...m.info.globals]) if (!s.isDeclaration && !s.isLocal && !definedIn.has(s.name)) definedIn.set(s.name, m.path);
  }
  for (const n of natives) {
    const both = n.defines.filter((s) => definedIn.has(s));
    if (both.length) {
      throw new LocalLtoError(
        `${both.join(', ')} ${both.length > 1 ? 'are' : 'is'} defined both in ${definedIn.get(both[0])} and in ${n.path} (option 'objects'): ` +
          `internalized, the bitcode's copy would become a second, separate ${both.length > 1 ? 'symbol' : 'definition'}. Define it in one place and declare it extern in the other.`,
      );
    }
  }
  const needed = new Set(natives.flatMap((n) => n.needs));
  const helperFunctions = new Set(helpers.flatMap((h) => h.info.functions.filter((f) => !f.isDeclaration && !f.isLocal).map((f) => f.name)));
  const helperVariables = new Set(helpers.flatMap((h) => h.info.globals.filter((g) => !g.isDeclaration && !g.isLocal).map((g) => g.name)));
  return { functions: [...needed].filter((s) => helperFunctions.has(s)).sort(), variables: [...needed].filter((s) => helperVariables.has(s)).sort() };
}

async function ltoLink(
  options: LldRelocatableExecutorOptions,
  root: string,
  rust: LinkInput,
  helpers: LinkInput[],
  linker: ResolvedTool,
  llvmLink: ResolvedTool | undefined,
  keep: { functions: string[]; variables: string[] },
  out: string,
  scratch: string,
  verbose: boolean,
): Promise<void> {
  let ltoInputs = [rust.path, ...helpers.map((h) => h.path)];
  if (llvmLink) {
    const merged = join(scratch, 'merged.bc');
    const kept = [...keep.functions, ...keep.variables];
    let keepModule: string | undefined;
    if (kept.length) {
      keepModule = join(scratch, 'keep-for-objects.ll');
      writeFileSync(keepModule, keepModuleText(rust.info.triple, rust.info.dataLayout, keep.functions, keep.variables));
    }
    taskOutput.log(`  LLVM-LINK ${rust.path} + ${helpers.length} helper bitcode file(s) (helpers internalized${kept.length ? `; kept for objects: ${kept.join(', ')}` : ''})`);
    await runTool(llvmLink.path, llvmLinkArgs(rust.path, helpers.map((h) => h.path), merged, keepModule), { cwd: root, verbose });
    ltoInputs = [merged];
  }
  taskOutput.log(`  LD-R     ${out.slice(root.length + 1).replace(/\.tmp-[^/]*$/, '')}`);
  const remarks = join(scratch, 'remarks.yaml');
  await runTool(linker.path, [...linker.prefixArgs, ...lldRelocatableArgs([...ltoInputs, ...options.objects], out, options.ltoOptLevel, remarks)], { cwd: root, verbose });
}
