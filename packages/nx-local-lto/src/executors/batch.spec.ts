import { TaskGraph } from '@nx/devkit';
import { BatchTaskResult, runBatch } from './batch';

/** A task graph of `deps` (task id -> ids it depends on); ids outside the graph are allowed. */
function graph(deps: Record<string, string[]>): TaskGraph {
  const tasks = Object.fromEntries(
    Object.keys(deps).map((id) => {
      const [project, target] = id.split(':');
      return [id, { id, target: { project, target }, overrides: {}, outputs: [], parallelism: true }];
    }),
  );
  return { roots: [], tasks, dependencies: deps, continuousDependencies: {} } as unknown as TaskGraph;
}

/** Runs the batch with tasks that take `ms` and fail when named in `failing`; records the order. */
async function run(g: TaskGraph, jobs: number, failing: string[] = [], ms = 20) {
  const started: string[] = [];
  let running = 0;
  let peak = 0;
  const results: Array<{ task: string; result: BatchTaskResult }> = [];
  const task = async (id: string): Promise<BatchTaskResult> => {
    started.push(id);
    peak = Math.max(peak, ++running);
    await new Promise((r) => setTimeout(r, ms));
    running--;
    return { success: !failing.includes(id), terminalOutput: `${id}\n` };
  };
  for await (const r of runBatch(g, jobs, task)) results.push(r);
  return { started, peak, results };
}

describe('runBatch', () => {
  it('runs every task once, never more than `jobs` at a time', async () => {
    const g = graph(Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`p${i}:build`, []])));
    const { started, peak, results } = await run(g, 3);
    expect(started.sort()).toEqual(Object.keys(g.tasks).sort());
    expect(peak).toBe(3);
    expect(results.map((r) => r.result.success)).toEqual(Array(7).fill(true));
    expect(results.map((r) => r.result.terminalOutput).sort()).toEqual(started.map((id) => `${id}\n`).sort());
  });

  it('starts a task only after the tasks it depends on inside the batch succeeded', async () => {
    // kuid links after kernel; kernel after kernel-helpers; 'other:build' is outside the batch (done).
    const g = graph({ 'kernel-helpers:build': [], 'kernel:build': ['kernel-helpers:build', 'other:build'], 'kuid:build': ['kernel:build'] });
    const { started, results } = await run(g, 4);
    expect(started).toEqual(['kernel-helpers:build', 'kernel:build', 'kuid:build']);
    expect(results.map((r) => r.task)).toEqual(started);
  });

  it('reports the dependents of a failed task as skipped, transitively, and still runs the rest', async () => {
    const g = graph({ 'c:build': ['b:build'], 'b:build': ['a:build'], 'a:build': [], 'd:build': [] });
    const { started, results } = await run(g, 1, ['a:build']);
    expect(started.sort()).toEqual(['a:build', 'd:build']);
    const byTask = Object.fromEntries(results.map((r) => [r.task, r.result]));
    expect(byTask['a:build']).toMatchObject({ success: false });
    expect(byTask['a:build'].status).toBeUndefined();
    expect(byTask['b:build']).toEqual({ success: false, status: 'skipped', terminalOutput: '' });
    expect(byTask['c:build']).toEqual({ success: false, status: 'skipped', terminalOutput: '' });
    expect(byTask['d:build']).toMatchObject({ success: true });
  });

  it('refuses a graph whose tasks wait on each other instead of hanging', async () => {
    const g = graph({ 'a:build': ['b:build'], 'b:build': ['a:build'] });
    await expect(run(g, 2)).rejects.toThrow(/batch tasks wait on each other: a:build, b:build/);
  });
});
