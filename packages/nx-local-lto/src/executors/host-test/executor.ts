import { ExecutorContext } from '@nx/devkit';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from '../../process/run-tool';
import { taskOutput } from '../../process/task-output';
import { assertInputsExist } from '../inputs';
import { isVerbose, runExecutor } from '../run-executor';
import { HostTestExecutorOptions } from './schema';
import schema from './schema.json';

async function test(options: HostTestExecutorOptions, context: ExecutorContext): Promise<void> {
  const root = context.root;
  assertInputsExist(root, [
    ...options.sources.map((s): [string, string] => ['sources', s]),
    ...options.objects.map((o): [string, string] => ['objects', o]),
  ]);
  const verbose = isVerbose(options);
  const scratch = mkdtempSync(join(tmpdir(), 'local-lto-test-'));
  try {
    const program = join(scratch, 'host-test');
    const cc = options.cc ?? process.env.CC ?? 'cc';
    taskOutput.log(`  CC-HOST  ${options.sources.join(' ')} + ${options.objects.join(' ')}`);
    await runTool(cc, [
      '-O2',
      ...(options.pie ? [] : ['-no-pie']),
      ...options.includeDirs.map((d) => `-I${d}`),
      ...options.sources,
      ...options.objects,
      ...options.linkLibs.map((l) => `-l${l}`),
      '-o', program,
    ], { cwd: root, verbose });
    taskOutput.log(['  RUN      host test', ...options.args].join(' '));
    const { stdout } = await runTool(program, options.args, { cwd: root, verbose });
    taskOutput.stdout(stdout);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** nx-local-lto:host-test: build the host test program against the driver object and run it. */
export default function hostTestExecutor(options: HostTestExecutorOptions, context: ExecutorContext) {
  return runExecutor('host-test', schema, options, context, test);
}
