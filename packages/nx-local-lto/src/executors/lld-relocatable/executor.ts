import { ExecutorContext, logger } from '@nx/devkit';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readFunctionAttributes } from '../../bitcode/attributes';
import { checkLinkInputs, LinkInput } from '../../bitcode/link-checks';
import { readBitcodeModuleInfo } from '../../bitcode/module-info';
import { ET_REL, readElf } from '../../elf/elf';
import { LocalLtoError } from '../../errors';
import { withStagedOutputs } from '../../fs/staged-outputs';
import { readInlineRemarks, remarkFiles } from '../../inline/remarks';
import { buildInlineReport, InlineReport } from '../../inline/report';
import { formatInlineTable } from '../../inline/table';
import { lldRelocatableArgs, llvmLinkArgs } from '../../pipeline/commands';
import { runTool } from '../../process/run-tool';
import { assertReadableBy } from '../../toolchain/compatibility';
import { resolveLlvmTool, resolveRustc } from '../../toolchain/discover';
import { assertInputsExist, projectRootOf } from '../inputs';
import { isVerbose, runExecutor } from '../run-executor';
import { LldRelocatableExecutorOptions } from './schema';
import schema from './schema.json';

/** Default object path of a driver: dist/<projectRoot>/<projectName>.o. */
export function defaultObjectPath(projectRoot: string, projectName: string): string {
  return join('dist', projectRoot, `${projectName}.o`);
}

function readLinkInput(root: string, path: string): LinkInput {
  return { path, info: readBitcodeModuleInfo(join(root, path)) };
}

async function build(options: LldRelocatableExecutorOptions, context: ExecutorContext): Promise<void> {
  const root = context.root;
  const output = options.output ?? defaultObjectPath(projectRootOf(context), context.projectName ?? 'driver');
  const reportPath = options.report ?? join(dirname(output), 'inline-report.json');
  assertInputsExist(root, [
    ['rustBitcode', options.rustBitcode],
    ...options.bitcode.map((p): [string, string] => ['bitcode', p]),
    ...options.objects.map((p): [string, string] => ['objects', p]),
  ]);
  const rust = readLinkInput(root, options.rustBitcode);
  const helpers = options.bitcode.map((p) => readLinkInput(root, p));
  for (const warning of checkLinkInputs(rust, helpers)) logger.warn(`lld-relocatable: ${warning}`);

  const rustc = await resolveRustc(options);
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

  const verbose = isVerbose(options);
  const scratch = mkdtempSync(join(tmpdir(), 'local-lto-'));
  try {
    const report = await withStagedOutputs('lld-relocatable', [join(root, output), join(root, reportPath)], async ([objTmp, reportTmp]) => {
      let ltoInputs = [rust.path, ...helpers.map((h) => h.path)];
      if (llvmLink) {
        const merged = join(scratch, 'merged.bc');
        console.log(`  LLVM-LINK ${rust.path} + ${helpers.length} helper bitcode file(s) (helpers internalized)`);
        await runTool(llvmLink.path, llvmLinkArgs(rust.path, helpers.map((h) => h.path), merged), { cwd: root, verbose });
        ltoInputs = [merged];
      }
      const remarks = join(scratch, 'remarks.yaml');
      console.log(`  LD-R     ${output}`);
      await runTool(linker.path, [...linker.prefixArgs, ...lldRelocatableArgs([...ltoInputs, ...options.objects], objTmp, options.ltoOptLevel, remarks)], { cwd: root, verbose });

      const elf = readElf(objTmp);
      if (elf.type !== ET_REL) throw new LocalLtoError(`${linker.path} did not write a relocatable object (ELF type ${elf.type})`);
      const cDefined = helpers.flatMap((h) => h.info.functions.filter((f) => !f.isDeclaration).map((f) => ({ ...f, definedIn: h.path })));
      const result = buildInlineReport({
        object: output,
        elf,
        helpers: cDefined.filter((f) => !f.isLocal).map((f) => ({ symbol: f.name, definedIn: f.definedIn })),
        cFunctions: new Set(cDefined.map((f) => f.name)),
        remarks: readInlineRemarks(remarkFiles(remarks)),
        requireInlined: options.requireInlined,
        modules: {
          rust: { ...rust, attributes: readFunctionAttributes(join(root, rust.path)) },
          helpers: helpers.map((h) => ({ ...h, attributes: readFunctionAttributes(join(root, h.path)) })),
        },
      });
      writeFileSync(reportTmp, JSON.stringify(result, null, 2) + '\n');
      return result;
    });
    enforcePolicy(report, reportPath, options);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function enforcePolicy(report: InlineReport, reportPath: string, options: LldRelocatableExecutorOptions): void {
  console.log(formatInlineTable(report));
  const { requiredCalls, featureViolations } = report.summary;
  if (requiredCalls === 0 && featureViolations === 0) return;
  const problems = [
    ...(requiredCalls ? [`${requiredCalls} call site(s) of helpers matching ${options.requireInlined.join(', ')} were not inlined`] : []),
    ...report.featureViolations.map((v) => v.message),
  ];
  const message = `${problems.join('; ')} (see the table above and ${reportPath})`;
  if (options.inlinePolicy === 'error') throw new LocalLtoError(message);
  logger.warn(`lld-relocatable: ${message}`);
}

/** nx-local-lto:lld-relocatable: bitcode to one ELF relocatable object + inline-report.json. */
export default function lldRelocatableExecutor(options: LldRelocatableExecutorOptions, context: ExecutorContext) {
  return runExecutor('lld-relocatable', schema, options, context, build);
}
