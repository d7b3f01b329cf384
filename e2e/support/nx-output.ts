/** How Nx marks a task in `--outputStyle=static` output: run, or restored from which cache. */
export type TaskStatus = 'ran' | 'local' | 'remote';

/** One task's part of an nx run's output: its status and its text, header included. */
export interface TaskSection {
  status: TaskStatus;
  text: string;
}

function statusOf(marker: string | undefined, output: string): TaskStatus {
  if (marker === undefined) return 'ran';
  if (marker === 'remote cache') return 'remote';
  if (marker === 'local cache' || marker.startsWith('existing outputs match the cache')) return 'local';
  throw new Error(`unknown task status marker '[${marker}]' in:\n${output}`);
}

/**
 * Each printed task of an `nx --outputStyle=static` run, by task id: its status (from the
 * header's `[local cache]`-style marker) and its output. Tasks with executor `nx:noop` print
 * nothing when they run, so they may be missing.
 */
export function taskSections(output: string): Map<string, TaskSection> {
  const out = new Map<string, TaskSection>();
  for (const part of output.split(/\n(?=> nx run )/)) {
    const m = /^> nx run (\S+:\S+)(?:[ \t]+\[([^\]]+)\])?[ \t]*$/m.exec(part);
    if (m && m.index === 0) out.set(m[1], { status: statusOf(m[2], output), text: part });
  }
  return out;
}

/** The ids of the tasks that ran (not restored from a cache), sorted. */
export function ranTasks(sections: Map<string, TaskSection>): string[] {
  return [...sections].filter(([, s]) => s.status === 'ran').map(([id]) => id).sort();
}
