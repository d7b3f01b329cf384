import { join } from 'node:path';
import { taskOutput } from '../process/task-output';

/**
 * One of the plugin's executors run without Nx, from its command line: `[--validated]
 * <executor> <project>:<target> <projectRoot> '<options as JSON>'`, the workspace root `root`.
 * What bin/run-step.js runs in a process of its own and the link server runs for each request:
 * one implementation of the argument handling for both. Returns the exit status (2: bad usage).
 */
export async function runStep(argv: readonly string[], root: string): Promise<number> {
  const usage = (message: string) => {
    taskOutput.stderr(`run-step: ${message}\nusage: run-step.js [--validated] <executor> <project>:<target> <projectRoot> '<options JSON>'`);
    return 2;
  };
  const validated = argv[0] === '--validated';
  const [executor, task, projectRoot, json, ...rest] = validated ? argv.slice(1) : argv;
  if (rest.length || json === undefined) return usage('expected four arguments');
  if (!/^[a-z-]+$/.test(executor)) return usage(`unknown executor '${executor}'`);
  const [projectName, targetName] = task.split(':');
  let options: Record<string, unknown>;
  try {
    options = JSON.parse(json);
  } catch (e) {
    return usage(`the options are not JSON (${(e as Error).message})`);
  }
  const context = {
    root,
    cwd: root,
    projectName,
    targetName,
    isVerbose: process.env.NX_VERBOSE_LOGGING === 'true',
    projectsConfigurations: { version: 2, projects: { [projectName]: { root: projectRoot } } },
  };
  let step: { default: (o: unknown, c: unknown) => Promise<{ success: boolean }>; validatedStep?: unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    step = require(join(__dirname, executor, 'executor'));
  } catch {
    return usage(`unknown executor '${executor}'`);
  }
  if (validated && !step.validatedStep) return usage(`executor '${executor}' has no step for validated options`);
  try {
    const result = validated
      ? // eslint-disable-next-line @typescript-eslint/no-require-imports
        await (require('./run-executor') as typeof import('./run-executor')).runValidated(executor, () => options, options, context as never, step.validatedStep as never)
      : await step.default(options, context);
    return result && result.success ? 0 : 1;
  } catch (e) {
    taskOutput.stderr(`${task}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
