import { execa } from 'execa';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyWorkspace, isolatedNxEnv, nx } from './support/workspace';

/** The project graph from local-lto.json `libs`: edges, and `nx affected` after a library header edit. */
describe('graph edges and nx affected', () => {
  let ws: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    ws = await copyWorkspace('local-lto-affected-');
    env = isolatedNxEnv();
    const git = (args: string[]) => execa('git', args, { cwd: ws });
    await git(['init', '-q']);
    await git(['add', '-A']);
    await git(['-c', 'user.email=e2e@localhost', '-c', 'user.name=e2e', 'commit', '-qm', 'base']);
  });

  it('nx graph shows the edges driver -> Rust crate -> C library', async () => {
    const file = join(ws, 'graph.json');
    const run = await nx(ws, ['graph', `--file=${file}`], env);
    expect(run.exitCode).toBe(0);
    const deps = JSON.parse(readFileSync(file, 'utf8')).graph.dependencies;
    expect(deps.kuid).toEqual([expect.objectContaining({ target: 'kernel', type: 'static' })]);
    expect(deps.kernel).toEqual([expect.objectContaining({ target: 'kernel-helpers', type: 'static' })]);
    expect(deps['uring-nop'].map((d: { target: string }) => d.target)).not.toContain('kernel-helpers');
  });

  it('editing a library header affects exactly the library and the drivers that use it', async () => {
    appendFileSync(join(ws, 'libs/kernel-helpers/include/kernel_helpers.h'), '/* edited */\n');
    const run = await nx(ws, ['show', 'projects', '--affected', '--base=HEAD', '--json'], env);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.all).sort()).toEqual(['kernel', 'kernel-helpers', 'kuid']);
  });
});
