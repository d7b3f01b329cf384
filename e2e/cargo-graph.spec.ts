import { execa } from 'execa';
import { appendFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ranTasks, taskSections } from './support/nx-output';
import { addPathDependencyCrate } from './support/cargo';
import { copyWorkspace, isolatedNxEnv, nx, repoRoot, writeSelfContainedDriver } from './support/workspace';

/** The task ids an nx run ran (not from cache); fails with the output when the run failed. */
async function ran(ws: string, args: string[], env: Record<string, string>): Promise<string[]> {
  const run = await nx(ws, [...args, '--outputStyle=static'], env);
  if (run.exitCode !== 0) throw new Error(`nx ${args.join(' ')} failed:\n${run.all}`);
  return ranTasks(taskSections(run.all));
}

/**
 * Issue 15 (rust-runtime), Cargo workspaces in Nx: a Cargo path dependency on a crate in
 * another Nx project is a graph edge (nx affected follows it) and part of the Cargo-based
 * driver's cache key.
 */
describe('a Cargo path dependency between workspace crates', () => {
  let ws: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    ws = await copyWorkspace('local-lto-cargo-graph-');
    env = isolatedNxEnv();
    await addPathDependencyCrate(ws);
  });

  it('nx graph has the edge bitset-user -> bits-extra, and nx affected follows it (kuid does not reach it: control)', async () => {
    const file = join(ws, 'graph.json');
    const graph = await nx(ws, ['graph', `--file=${file}`], env);
    if (graph.exitCode !== 0) throw new Error(graph.all);
    const deps: Record<string, Array<{ target: string; type: string }>> = JSON.parse(readFileSync(file, 'utf8')).graph.dependencies;
    expect(deps['bitset-user']).toEqual(expect.arrayContaining([{ source: 'bitset-user', target: 'bits-extra', type: 'static' }]));
    expect(deps.kuid.map((d) => d.target)).not.toContain('bits-extra');
    const affected = async (f: string) => {
      const r = await nx(ws, ['show', 'projects', '--affected', `--files=${f}`], env);
      if (r.exitCode !== 0) throw new Error(r.all);
      return r.all.split('\n').filter(Boolean).sort();
    };
    expect(await affected('libs/bits-extra/src/lib.rs')).toEqual(['bits-extra', 'bitset-user']);
    expect(await affected('drivers/kuid/src/lib.rs')).not.toContain('bitset-user');
  });

  it("rust-bc is a miss when the dependency crate's source changes, a hit when only an unrelated crate does", async () => {
    expect(await ran(ws, ['run', 'bitset-user:rust-bc'], env)).toEqual(['bitset-user:rust-bc']);
    expect(await ran(ws, ['run', 'bitset-user:rust-bc'], env)).toEqual([]);
    appendFileSync(join(ws, 'drivers/kuid/src/lib.rs'), '\n// unrelated edit\n');
    expect(await ran(ws, ['run', 'bitset-user:rust-bc'], env)).toEqual([]);
    appendFileSync(join(ws, 'libs/bits-extra/src/lib.rs'), 'pub const fn high_bit(x: u32) -> u32 { 31 - x.leading_zeros() }\n');
    expect(await ran(ws, ['run', 'bitset-user:rust-bc'], env)).toEqual(['bitset-user:rust-bc']);
  });
});

/**
 * A plugin upgrade reaches the cache key through its runtime files even where Nx hashes no
 * file: the compiled plugin copied into node_modules (as npm installs it), its runtime edited
 * there as an upgrade would change it.
 */
describe('the plugin runtime under node_modules', () => {
  let ws: string;
  let env: Record<string, string>;
  const runtime = (f: string) => join(ws, 'node_modules/nx-local-lto/runtime', f);
  const build = ['run-many', '-t', 'rust-bc', 'runtime-bc', '-p', 'sc-user'];

  beforeAll(async () => {
    await execa('npm', ['run', 'build:plugin'], { cwd: repoRoot });
    ws = await copyWorkspace('local-lto-rt-upgrade-');
    // node_modules: the repo's packages by link, the plugin as a real copy of its compiled form.
    rmSync(join(ws, 'node_modules'));
    mkdirSync(join(ws, 'node_modules'));
    for (const name of readdirSync(join(repoRoot, 'node_modules'))) {
      if (name !== 'nx-local-lto') symlinkSync(join(repoRoot, 'node_modules', name), join(ws, 'node_modules', name));
    }
    cpSync(join(repoRoot, 'dist/packages/nx-local-lto'), join(ws, 'node_modules/nx-local-lto'), { recursive: true });
    // A rustc-route driver made self-contained: rust-bc compiles local-lto-rt, runtime-bc the runtime C.
    writeSelfContainedDriver(ws, ['#[no_mangle]', 'pub extern "C" fn sc_user_sum(n: u32) -> u32 { (0..n).collect::<alloc::vec::Vec<u32>>().iter().sum() }']);
    env = isolatedNxEnv();
  });

  it('uses the copy under node_modules, keyed by content', async () => {
    const show = await nx(ws, ['show', 'project', 'sc-user', '--json'], env);
    if (show.exitCode !== 0) throw new Error(show.all);
    const targets = JSON.parse(show.all.slice(show.all.indexOf('{'))).targets;
    expect(targets['rust-bc'].options.runtimeCrateRoot).toBe('node_modules/nx-local-lto/runtime/rust/src/lib.rs');
    // Both keyed by content: Nx hashes no file under node_modules.
    const contents = (dir: string) => expect.objectContaining({ runtime: expect.stringContaining(`cd ${dir} && find `) });
    expect(targets['rust-bc'].inputs).toEqual(expect.arrayContaining([contents('node_modules/nx-local-lto/runtime/rust')]));
    expect(targets['runtime-bc'].inputs).toEqual(expect.arrayContaining([contents('node_modules/nx-local-lto/runtime/c/user')]));
  });

  it('untouched runtime: a hit; edited runtime C: runtime-bc reruns; edited runtime crate: rust-bc reruns', async () => {
    expect(await ran(ws, build, env)).toEqual(['sc-user:runtime-bc', 'sc-user:rust-bc']);
    expect(await ran(ws, build, env)).toEqual([]);
    appendFileSync(runtime('c/user/local_lto_rt.c'), '\n/* upgraded */\n');
    expect(await ran(ws, build, env)).toEqual(['sc-user:runtime-bc']);
    appendFileSync(runtime('rust/src/lib.rs'), '\n// upgraded\n');
    expect(await ran(ws, build, env)).toEqual(['sc-user:rust-bc']);
    expect(await ran(ws, build, env)).toEqual([]);
  });
});
