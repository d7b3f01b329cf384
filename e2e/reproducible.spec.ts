import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { copyWorkspace, isolatedNxEnv, nx } from './support/workspace';

function digests(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

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
