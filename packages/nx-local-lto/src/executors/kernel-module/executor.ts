import { ExecutorContext } from '@nx/devkit';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { withStagedOutputs } from '../../fs/staged-outputs';
import { kbuildFlags } from '../../kernel/kbuild-flags';
import { resolveKernelTree } from '../../kernel/tree';
import { kbuildArgs, kbuildModuleFile } from '../../pipeline/kernel-commands';
import { runTool } from '../../process/run-tool';
import { taskOutput } from '../../process/task-output';
import { resolveLlvmTool, resolveRustc } from '../../toolchain/discover';
import { assertInputsExist, projectRootOf } from '../inputs';
import { isVerbose, runExecutor } from '../run-executor';
import { KernelModuleExecutorOptions } from './schema';
import schema from './schema.json';

/**
 * KBUILD-KO: each module gets a folder in a scratch external-module tree (its Kbuild file, the
 * glue sources, the object), and one `make -C <tree> M=<scratch> modules` links them all with
 * the tree's own rules, objtool and modpost; the `.ko` files are then moved into place whole.
 */
async function build(options: KernelModuleExecutorOptions, context: ExecutorContext): Promise<void> {
  const root = context.root;
  const outputDir = options.outputDir ?? join('dist', projectRootOf(context));
  assertInputsExist(root, [
    ...options.modules.map((m): [string, string] => ['modules.object', m.object]),
    ...options.glue.map((g): [string, string] => ['glue', g]),
    ...options.includeDirs.map((d): [string, string, 'dir'] => ['includeDirs', d, 'dir']),
  ], context);
  const verbose = isVerbose(options);
  const tree = resolveKernelTree(options.kernelDir, root);
  const rustc = await resolveRustc(options);
  const clang = await resolveLlvmTool('clang', rustc, options);
  const { makeVars } = await kbuildFlags(tree, { clang: clang.path, version: clang.version }, verbose);
  const scratch = mkdtempSync(join(tmpdir(), 'local-lto-ko-'));
  try {
    const ccflags = [...options.includeDirs.map((d) => `-I${join(root, d)}`), `-ffile-prefix-map=${scratch}=.`, `-ffile-prefix-map=${root}=.`];
    for (const m of options.modules) {
      const dir = join(scratch, m.name);
      mkdirSync(dir);
      const glue = options.glue.map((g) => `glue_${basename(g)}`);
      options.glue.forEach((g, i) => copyFileSync(join(root, g), join(dir, glue[i])));
      copyFileSync(join(root, m.object), join(dir, `${m.name}.object`));
      writeFileSync(join(dir, 'Kbuild'), kbuildModuleFile({ name: m.name, objectFile: `${m.name}.object`, glue }, ccflags));
    }
    writeFileSync(join(scratch, 'Kbuild'), `obj-m += ${options.modules.map((m) => `${m.name}/`).join(' ')}\n`);
    taskOutput.log(`  KBUILD   ${options.modules.map((m) => `${m.name}.ko`).join(', ')} (${tree.release})`);
    await runTool('make', kbuildArgs(tree.dir, scratch, [...makeVars, ...(verbose ? ['V=1'] : [])], ['modules']), { cwd: scratch, verbose });
    const kos = options.modules.map((m) => join(outputDir, `${m.name}.ko`));
    await withStagedOutputs('kernel-module', kos.map((k) => join(root, k)), async (tmps) => {
      options.modules.forEach((m, i) => copyFileSync(join(scratch, m.name, `${m.name}.ko`), tmps[i]));
    });
    for (const ko of kos) {
      const { stdout } = await runTool('modinfo', [ko], { cwd: root, verbose });
      taskOutput.log(`  MODINFO  ${ko}\n${stdout.trimEnd().split('\n').map((l) => `    ${l}`).join('\n')}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** nx-local-lto:kernel-module: local-LTO objects + C module glue -> `.ko` files, linked by kbuild. */
export default function kernelModuleExecutor(options: KernelModuleExecutorOptions, context: ExecutorContext) {
  return runExecutor('kernel-module', schema, options, context, build);
}
