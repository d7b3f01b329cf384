/**
 * Test helper: runs one executor of this plugin in its own process, the way Nx's task
 * runner does, so a test can signal the process in the middle of a step.
 *
 *   node -r @swc-node/register run-executor-cli.ts <executor> <workspaceRoot> <projectRoot> '<options JSON>'
 *
 * Exits 0 when the executor reports success, 1 otherwise (a signal kills it as usual).
 */
import type { ExecutorContext } from '@nx/devkit';

async function main(): Promise<void> {
  const [executor, root, projectRoot, json] = process.argv.slice(2);
  const run = (await import(`../${executor}/executor`)).default as (o: unknown, c: ExecutorContext) => Promise<{ success: boolean }>;
  const context = {
    root,
    cwd: root,
    isVerbose: false,
    projectName: 'drv',
    targetName: executor,
    projectsConfigurations: { version: 2, projects: { drv: { root: projectRoot } } },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
  } as unknown as ExecutorContext;
  const { success } = await run(JSON.parse(json), context);
  process.exitCode = success ? 0 : 1;
}

void main();
