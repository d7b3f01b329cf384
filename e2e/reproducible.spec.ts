import { join } from 'node:path';
import { copyWorkspace, digests, isolatedNxEnv, nx } from './support/workspace';

/** The same commit built at two absolute paths gives byte-identical outputs (shared caches rely on it). */
it('builds byte-identical .bc, .d, .o and report files at two different paths', async () => {
  const a = await copyWorkspace('local-lto-agent-a-');
  const b = await copyWorkspace('local-lto-agent-b-long-path-');
  for (const ws of [a, b]) {
    const run = await nx(ws, ['run-many', '-t', 'build', '-p', 'kuid', 'uring-nop', '--outputStyle=static'], isolatedNxEnv());
    if (run.exitCode !== 0) throw new Error(`nx build failed in ${ws}:\n${run.all}`);
  }
  const da = digests(join(a, 'dist'));
  const db = digests(join(b, 'dist'));
  expect(Object.keys(da).filter((f) => /\.(bc|o|json|d)$/.test(f)).length).toBeGreaterThanOrEqual(12);
  expect(db).toEqual(da);
});
