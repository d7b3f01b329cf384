import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ranTasks, taskSections } from './support/nx-output';
import { copyWorkspace, isolatedNxEnv, nx } from './support/workspace';

/**
 * A helper that includes a header outside the workspace (a system library's header, here a
 * copy in a temp folder named by -I): the header is part of the cache key through its
 * preprocessed text, the same from any checkout.
 */
describe('headers outside the workspace are cache inputs', () => {
  const include = mkdtempSync(join(tmpdir(), 'local-lto-ext-include-'));
  const header = join(include, 'ext_scale.h');
  const env = isolatedNxEnv();
  const checkouts: string[] = [];
  const build = (ws: string) => nx(ws, ['build', 'ext', '--outputStyle=static'], env);

  beforeAll(async () => {
    writeFileSync(header, 'static inline unsigned int ext_scale(unsigned int v) { return v * 3u; }\n');
    for (const prefix of ['local-lto-ext-a-', 'local-lto-ext-b-longer-']) {
      const ws = await copyWorkspace(prefix);
      checkouts.push(ws);
      const g = await nx(ws, ['g', 'nx-local-lto:driver', 'ext', '--helpers=a', '--no-interactive'], env);
      if (g.exitCode !== 0) throw new Error(g.all);
      const manifest = join(ws, 'drivers/ext/local-lto.json');
      writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), cflags: [`-I${include}`] }, null, 2));
      const helpers = join(ws, 'drivers/ext/helpers/ext_helpers.c');
      writeFileSync(helpers, `${readFileSync(helpers, 'utf8')}#include <ext_scale.h>\nunsigned int ext_outside(unsigned int v) { return ext_scale(v); }\n`);
    }
  });
  afterAll(() => [include, ...checkouts].forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('builds, then hits when nothing changed, also from a second checkout at another path', async () => {
    const first = await build(checkouts[0]);
    if (first.exitCode !== 0) throw new Error(first.all);
    expect(ranTasks(taskSections(first.all))).toEqual(['ext:build', 'ext:clang-bc', 'ext:rust-bc']);
    expect(ranTasks(taskSections((await build(checkouts[0])).all))).toEqual([]);
    const second = await build(checkouts[1]);
    expect(second.exitCode).toBe(0);
    expect(ranTasks(taskSections(second.all))).toEqual([]);
  });

  it('an edit of the outside header is a miss for the C side and what links it, not for Rust', async () => {
    writeFileSync(header, 'static inline unsigned int ext_scale(unsigned int v) { return v * 5u; }\n');
    const run = await build(checkouts[0]);
    if (run.exitCode !== 0) throw new Error(run.all);
    expect(ranTasks(taskSections(run.all))).toEqual(['ext:build', 'ext:clang-bc']);
  });
});
