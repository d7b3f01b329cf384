import { ExecutorContext, TaskGraph } from '@nx/devkit';
import { availableParallelism } from 'node:os';
import { captureTaskOutput } from '../process/task-output';
import { CommonExecutorOptions, runExecutor } from './run-executor';

/** One task's result as Nx's batch runner takes it (nx `TaskResult` of config/misc-interfaces). */
export interface BatchTaskResult {
  success: boolean;
  /** What the task printed; Nx shows it under the task and stores it in the cache entry. */
  terminalOutput: string;
  /** Epoch milliseconds. */
  startTime?: number;
  endTime?: number;
  /** `skipped`: not run because a task it depends on in the same batch failed. */
  status?: 'success' | 'failure' | 'skipped';
}

/**
 * An executor's batch implementation (executors.json `batchImplementation`; Nx uses it under
 * `--batch` or NX_BATCH_MODE=true): Nx gives one process all the ready tasks of the executor
 * instead of forking a process per task. That process start (loading
 * Nx and this plugin, about 1-2 s) costs more than compiling a helper file, so it is paid
 * once per batch; task hashing also runs once per batch, so each tool identity is computed
 * once instead of once per task.
 *
 * The tasks run through the same `runExecutor(name, schema, ...)` frame as one task alone,
 * up to `os.availableParallelism()` at a time, each only after the tasks it depends on inside
 * the batch succeeded (a task whose dependency failed is reported `skipped`). Each task's
 * output is captured and returned as its own terminal output. Results are yielded as tasks
 * finish, so Nx records each as soon as it is done.
 */
export function batchExecutor<O extends CommonExecutorOptions>(
  name: string,
  schema: object,
  body: (options: O, context: ExecutorContext) => Promise<void>,
) {
  return function batch(taskGraph: TaskGraph, inputs: Record<string, O>, _overrides: O, context: ExecutorContext) {
    return runBatch(taskGraph, availableParallelism(), async (id) => {
      const { project, target, configuration } = taskGraph.tasks[id].target;
      const taskContext: ExecutorContext = { ...context, projectName: project, targetName: target, configurationName: configuration };
      const startTime = Date.now();
      const { value, output } = await captureTaskOutput(() => runExecutor(name, schema, inputs[id], taskContext, body));
      return { success: value.success, terminalOutput: output, startTime, endTime: Date.now() };
    });
  };
}

/**
 * Runs every task of `taskGraph` with `run`, at most `jobs` at once, in dependency order
 * (dependencies outside the graph are already done: Nx only batches ready tasks).
 * Yields `{ task, result }` as each task ends or is skipped.
 */
export async function* runBatch(
  taskGraph: TaskGraph,
  jobs: number,
  run: (taskId: string) => Promise<BatchTaskResult>,
): AsyncGenerator<{ task: string; result: BatchTaskResult }> {
  const pending = new Set(Object.keys(taskGraph.tasks));
  const depsOf = (id: string) => (taskGraph.dependencies[id] ?? []).filter((d) => d in taskGraph.tasks);
  const succeeded = new Map<string, boolean>();
  const running = new Map<string, Promise<[string, BatchTaskResult]>>();
  while (pending.size || running.size) {
    // A skip can make a task seen earlier in the same pass skippable too: scan until stable.
    for (let skipped = true; skipped; ) {
      skipped = false;
      for (const id of pending) {
        const deps = depsOf(id);
        if (deps.some((d) => succeeded.get(d) === false)) {
          pending.delete(id);
          succeeded.set(id, false);
          skipped = true;
          yield { task: id, result: { success: false, status: 'skipped', terminalOutput: '' } };
        } else if (running.size < jobs && deps.every((d) => succeeded.get(d) === true)) {
          pending.delete(id);
          running.set(id, run(id).then((result): [string, BatchTaskResult] => [id, result]));
        }
      }
    }
    if (!running.size) {
      if (pending.size) throw new Error(`nx-local-lto: batch tasks wait on each other: ${[...pending].join(', ')}`);
      break;
    }
    const [id, result] = await Promise.race(running.values());
    running.delete(id);
    succeeded.set(id, result.success);
    yield { task: id, result };
  }
}
