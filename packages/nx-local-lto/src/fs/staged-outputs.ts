import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { LocalLtoError } from '../errors';

/** Temporaries of every step in flight in this process (a batch runs several at once). */
const live = new Set<string>();

/** Removes every live temporary, then dies of the same signal as Node would have. */
function onSignal(signal: NodeJS.Signals): void {
  live.forEach((t) => rmSync(t, { force: true }));
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.kill(process.pid, signal);
}

/**
 * Runs `write` with a temporary path beside each final output path (same folder, so the
 * rename is atomic), checks that every one was written, then renames them all into place.
 * On any failure the temporaries are removed and the final paths are left as they were,
 * so a failed or interrupted step never leaves a half-written output for a cache to keep.
 *
 * `finals`: absolute output paths. `write` receives the temporaries in the same order.
 * Throws LocalLtoError naming the step and the output that a tool did not produce.
 */
export async function withStagedOutputs<T>(
  step: string,
  finals: readonly string[],
  write: (temporaries: string[]) => Promise<T>,
): Promise<T> {
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temporaries = finals.map((f) => `${f}.tmp-${tag}`);
  temporaries.forEach((t) => live.add(t));
  if (!process.listeners('SIGINT').includes(onSignal)) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  try {
    for (const f of finals) mkdirSync(dirname(f), { recursive: true });
    const result = await write(temporaries);
    temporaries.forEach((t, i) => {
      if (!existsSync(t) || !statSync(t).isFile()) {
        throw new LocalLtoError(`${step}: the tool exited successfully but did not write ${finals[i]}`);
      }
    });
    temporaries.forEach((t, i) => renameSync(t, finals[i]));
    return result;
  } finally {
    temporaries.forEach((t) => {
      rmSync(t, { force: true });
      live.delete(t);
    });
    if (!live.size) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
