import { execa, ResultPromise } from 'execa';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { listFiles as files } from '../packages/nx-local-lto/src/executors/testing/fixture-workspace';
import { ranTasks, taskSections } from './support/nx-output';
import { copyWorkspace, digests, isolatedNxEnv, nx, useInferredTargets, withBrokenKuidHelper } from './support/workspace';

/**
 * The default inferred targets (issue 16): rust-bc, clang-bc and build as nx:run-commands,
 * which Nx runs without a Node process of its own, with the executors' command lines and the
 * link through bin/run-step.js. What the executors promise must hold here too: the same bytes,
 * printed command lines, exact keys, one line for bad input, no output left by a failure or
 * Ctrl-C. The workspace path has a space and non-ASCII characters (the commands quote it).
 * The executor route is e2e/robustness.spec.ts and e2e/batch.spec.ts.
 */
const base = mkdtempSync(join(tmpdir(), 'local-lto-commands-'));
const build = ['run-many', '-t', 'build', '-p', 'kuid', 'uring-nop', '--outputStyle=static'];
let ws: string;
let executors: string;
const env = isolatedNxEnv();
let first: string;

beforeAll(async () => {
  mkdirSync(join(base, 'a b'), { recursive: true });
  ws = await copyWorkspace(`${relative(tmpdir(), base)}/a b/ünï-`);
  executors = await copyWorkspace(`${relative(tmpdir(), base)}/exec-`);
  useInferredTargets(executors, 'executors');
  const [commandsRun, executorsRun] = await Promise.all([nx(ws, build, env), nx(executors, build, isolatedNxEnv())]);
  for (const r of [commandsRun, executorsRun]) if (r.exitCode !== 0) throw new Error(`nx build failed:\n${r.all}`);
  first = commandsRun.all;
}, 300000);
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('the command route (default inferred targets)', () => {
  it('runs each step as its printed command line, no executor process: rustc and clang themselves, the link through run-step.js', () => {
    const s = taskSections(first);
    expect(s.get('kuid:rust-bc')?.text).toMatch(/^> .*rustc\}" \$RUSTFLAGS .*--crate-name=kuid .*drivers\/kuid\/src\/lib\.rs/m);
    expect(s.get('kuid:clang-bc')?.text).toMatch(/^> .*clang-22\}" --target=\S+ -flto=thin .*-c drivers\/kuid\/helpers\/kuid_helpers\.c/m);
    expect(s.get('kuid:build')?.text).toMatch(/^> .*node \S+\/bin\/run-step\.js --validated lld-relocatable kuid:build drivers\/kuid '\{/m);
    expect(s.get('kuid:build')?.text).toContain('inline report for dist/drivers/kuid/kuid.o: 15 call sites of 13 helpers, 15 inlined, 0 calls');
    expect(first).not.toMatch(/nx-local-lto:(rust-bc|clang-bc|lld-relocatable)/);
  });

  it('writes the same bytes as the executors', () => {
    const a = digests(join(executors, 'dist'));
    expect(Object.keys(a).length).toBeGreaterThan(10);
    expect(digests(join(ws, 'dist'))).toEqual(a);
  });

  it('a second build is a cache hit; an edited helper reruns its clang-bc and the link only', async () => {
    const again = await nx(ws, build, env);
    expect(again.exitCode).toBe(0);
    expect(ranTasks(taskSections(again.all))).toEqual([]);
    const helper = join(ws, 'drivers/kuid/helpers/kuid_helpers.c');
    const good = readFileSync(helper, 'utf8');
    appendFileSync(helper, 'int kuid_extra_for_the_key(void) { return 7; }\n');
    try {
      const edited = await nx(ws, build, env);
      expect(edited.exitCode).toBe(0);
      expect(ranTasks(taskSections(edited.all))).toEqual(['kuid:build', 'kuid:clang-bc']);
    } finally {
      writeFileSync(helper, good);
    }
  });

  it('an option given on the command line stops the task with one line naming it; nothing is compiled', async () => {
    const run = await nx(ws, ['run', 'kuid:rust-bc', '--optLevel=3', '--excludeTaskDependencies', '--skip-nx-cache', '--outputStyle=static'], env);
    expect(run.exitCode).not.toBe(0);
    const lines = run.all.split('\n').filter((l) => l.startsWith('nx-local-lto: kuid:rust-bc got --optLevel=3 on the command line'));
    expect(lines).toEqual([expect.stringContaining('its options come from drivers/kuid/local-lto.json')]);
  });

  it('a C error reaches the user verbatim under the command line; the failure is not cached and leaves no output', async () => {
    await withBrokenKuidHelper(ws, async (line) => {
      for (const attempt of [1, 2]) {
        const run = await nx(ws, ['run', 'kuid:clang-bc', '--outputStyle=static'], env);
        expect({ attempt, exitCode: run.exitCode }).toEqual({ attempt, exitCode: 1 });
        expect(run.all).toContain(`drivers/kuid/helpers/kuid_helpers.c:${line}:27: error: use of undeclared identifier 'undeclared_name'`);
        expect(run.all).toMatch(/^> .*clang-22\S* .*drivers\/kuid\/helpers\/kuid_helpers\.c/m);
        expect(ranTasks(taskSections(run.all))).toContain('kuid:clang-bc');
        expect(files(join(ws, 'dist/drivers/kuid'))).toEqual([]);
      }
    });
  });

  it('--verbose prints the link\'s own tool command lines, runnable by hand', async () => {
    const run = await nx(ws, ['build', 'kuid', '--skip-nx-cache', '--verbose', '--outputStyle=static'], env);
    expect(run.exitCode).toBe(0);
    expect(run.all).toMatch(/^\$ \S*llvm-link\S* dist\/drivers\/kuid\/rust\/kuid\.bc --internalize /m);
    expect(run.all).toMatch(/^\$ \S*ld\.lld\S* -r --lto-O2 /m);
  });

  it('--batch runs the same command targets to the same bytes', async () => {
    const before = digests(join(ws, 'dist'));
    rmSync(join(ws, 'dist'), { recursive: true, force: true });
    const run = await nx(ws, [...build, '--batch', '--skip-nx-cache'], env);
    expect(run.exitCode).toBe(0);
    expect(digests(join(ws, 'dist'))).toEqual(before);
  });

  it('Ctrl-C during rustc (SIGINT to the process group) leaves no partial output, no orphan; the next build succeeds', async () => {
    let extra = '';
    for (let i = 0; i < 1500; i++) extra += `pub mod m${i} { #[inline(never)] pub fn f${i}(x: u64) -> u64 { let mut a = x; for j in 0..${3 + (i % 40)} { a = a.rotate_left(j) ^ ${i * 7919}; } a } }\n`;
    const lib = join(ws, 'drivers/kuid/src/lib.rs');
    const good = readFileSync(lib, 'utf8');
    appendFileSync(lib, extra);
    try {
      rmSync(join(ws, 'dist/drivers/kuid'), { recursive: true, force: true });
      const run: ResultPromise = execa(join(ws, 'node_modules/.bin/nx'), ['build', 'kuid', '--outputStyle=static'], { cwd: ws, env, detached: true, reject: false, stdin: 'ignore', all: true });
      const rustcOfKuid = async () => (await execa('pgrep', ['-f', 'crate-name=kuid'], { reject: false })).stdout.trim();
      for (let i = 0; i < 600 && !(await rustcOfKuid()); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await rustcOfKuid()).not.toBe('');
      await new Promise((r) => setTimeout(r, 700));
      process.kill(-run.pid!, 'SIGINT');
      const end = await run;
      expect(end.exitCode !== 0 || end.signal !== undefined).toBe(true);
      for (let i = 0; i < 150 && (await rustcOfKuid()); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await rustcOfKuid()).toBe('');
      expect(files(join(ws, 'dist/drivers/kuid')).filter((f) => f.startsWith('rust/') || f.endsWith('.o') || f.endsWith('.json'))).toEqual([]);
    } finally {
      writeFileSync(lib, good);
    }
    const next = await nx(ws, ['build', 'kuid', '--outputStyle=static'], env);
    expect(next.exitCode).toBe(0);
  });
});
