/**
 * End to end: the driver generator run by the real `nx` CLI in a copy of this workspace,
 * then `nx build` and `nx test` of the generated driver with the real toolchain. Checks
 * the inline report (every helper inlined), the inferred targets, and that invalid names
 * and directories fail without touching the workspace.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const source = resolve(__dirname, '../../../../..');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cwd: string, env: NodeJS.ProcessEnv, command: string, args: string[]): Run {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command that must succeed; on failure the error shows its output. */
function ok(cwd: string, env: NodeJS.ProcessEnv, command: string, args: string[]): Run {
  const r = run(cwd, env, command, args);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

const lines = (nulSeparated: string) => nulSeparated.split('\0').filter((f) => f.length > 0);

/**
 * Copies the workspace's files (tracked, plus untracked ones of the plugin package so the
 * generator under test is included) into `target`. node_modules becomes a folder of
 * symlinks into this workspace's node_modules, except `nx-local-lto`, which points at the
 * copy's own package so Nx loads the copied plugin.
 */
function copyWorkspace(target: string): void {
  const git = (args: string[]) => ok(source, process.env, 'git', args).stdout;
  const files = new Set([...lines(git(['ls-files', '-z'])), ...lines(git(['ls-files', '-z', '--others', '--exclude-standard', '--', 'packages']))]);
  for (const file of files) {
    const from = join(source, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(dirname(join(target, file)), { recursive: true });
    cpSync(from, join(target, file));
  }
  mkdirSync(join(target, 'node_modules'));
  for (const entry of readdirSync(join(source, 'node_modules'))) {
    if (entry === 'nx-local-lto') continue;
    symlinkSync(join(source, 'node_modules', entry), join(target, 'node_modules', entry));
  }
  symlinkSync('../packages/nx-local-lto', join(target, 'node_modules', 'nx-local-lto'));
  const pluginModules = join(source, 'packages/nx-local-lto/node_modules');
  if (existsSync(pluginModules)) symlinkSync(pluginModules, join(target, 'packages/nx-local-lto/node_modules'));
}

describe('nx g nx-local-lto:driver, then nx build and nx test (real nx and toolchain)', () => {
  let temp: string;
  let ws: string;
  let env: NodeJS.ProcessEnv;
  const nx = (...args: string[]) => run(ws, env, 'npx', ['nx', ...args]);
  const gitStatus = () => ok(ws, env, 'git', ['status', '--porcelain', '--untracked-files=all']).stdout;

  beforeAll(() => {
    temp = mkdtempSync(join(tmpdir(), 'nx-local-lto-generator-'));
    ws = join(temp, 'workspace');
    mkdirSync(ws);
    copyWorkspace(ws);
    env = {
      ...process.env,
      NX_DAEMON: 'false',
      NX_CACHE_DIRECTORY: join(temp, 'nx-cache'),
      NX_WORKSPACE_DATA_DIRECTORY: join(temp, 'nx-workspace-data'),
      NX_NO_CLOUD: 'true',
      NX_TUI: 'false',
    };
    ok(ws, env, 'git', ['init', '-q']);
    writeFileSync(join(ws, '.git/info/exclude'), '/node_modules\n/packages/*/node_modules\n');
    ok(ws, env, 'git', ['add', '-A']);
    ok(ws, env, 'git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', 'commit', '-q', '--no-gpg-sign', '-m', 'copy']);
    expect(gitStatus()).toBe('');
  });

  afterAll(() => {
    if (temp && !process.env.KEEP_TEMP) rmSync(temp, { recursive: true, force: true });
  });

  it.each([
    [['../evil'], /driver name '\.\.\/evil' is not valid/],
    [['9bad'], /driver name '9bad' is not valid/],
    [['evil', '--directory=../evil'], /directory '\.\.\/evil' is outside the workspace/],
    [['probe', '--profile=fast'], /'fast' should be one of user,kernel/],
    [['probe', '--libs=no-such-lib'], /library 'no-such-lib' not found/],
  ])('nx g nx-local-lto:driver %j fails and changes nothing', (args, message) => {
    const r = nx('g', 'nx-local-lto:driver', ...args, '--no-interactive');
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(message);
    expect(gitStatus()).toBe('');
    expect(existsSync(join(temp, 'evil'))).toBe(false);
  });

  it('generates a driver that builds with every helper inlined and passes its host test', () => {
    const generated = nx('g', 'nx-local-lto:driver', 'probe', '--helpers=a,b,c', '--no-interactive');
    expect(generated.status).toBe(0);
    for (const file of ['local-lto.json', 'src/lib.rs', 'include/probe.h', 'helpers/probe_helpers.c', 'test/probe_test.c', 'README.md']) {
      expect(existsSync(join(ws, 'drivers/probe', file))).toBe(true);
    }

    const build = nx('build', 'probe');
    if (build.status !== 0) throw new Error(`nx build probe failed\n${build.stdout}\n${build.stderr}`);
    const report = JSON.parse(readFileSync(join(ws, 'dist/drivers/probe/inline-report.json'), 'utf-8'));
    expect(report.object).toBe('dist/drivers/probe/probe.o');
    const helpers = report.helpers.filter((h: { symbol: string }) => h.symbol.startsWith('rust_helper_'));
    expect(helpers.map((h: { symbol: string }) => h.symbol).sort()).toEqual(['rust_helper_a', 'rust_helper_b', 'rust_helper_c']);
    for (const helper of helpers) {
      expect(helper.callSites.length).toBeGreaterThan(0);
      expect(helper.callSites.map((s: { verdict: string }) => s.verdict)).toEqual(helper.callSites.map(() => 'inlined'));
      expect(helper.outOfLineCopy).toBe('absent');
    }
    expect(report.summary.calls).toBe(0);
    expect(existsSync(join(ws, 'dist/drivers/probe/probe.o'))).toBe(true);

    const test = nx('test', 'probe');
    if (test.status !== 0) throw new Error(`nx test probe failed\n${test.stdout}\n${test.stderr}`);
    expect(test.stdout).toContain('probe: 24 of 24 checks passed');
  });

  it('infers rust-bc, clang-bc, build and test targets with inputs and outputs', () => {
    const shown = nx('show', 'project', 'probe', '--json');
    if (shown.status !== 0) throw new Error(`nx show project probe failed\n${shown.stdout}\n${shown.stderr}`);
    const project = JSON.parse(shown.stdout.slice(shown.stdout.indexOf('{')));
    expect(project.root).toBe('drivers/probe');
    expect(Object.keys(project.targets).sort()).toEqual(expect.arrayContaining(['build', 'clang-bc', 'rust-bc', 'test']));
    for (const name of ['rust-bc', 'clang-bc', 'build', 'test']) {
      const target = project.targets[name];
      // The compile and link steps run as nx:run-commands (the default shape), each naming the executor it stands for.
      expect(target.executor === 'nx:run-commands' ? target.metadata.executor : target.executor).toMatch(/^nx-local-lto:/);
      expect(Array.isArray(target.inputs) && target.inputs.length).toBeTruthy();
      expect(Array.isArray(target.outputs)).toBe(true);
    }
    for (const name of ['rust-bc', 'clang-bc', 'build']) expect(project.targets[name].outputs.length).toBeGreaterThan(0);
    expect(project.targets.build.outputs).toEqual(['{workspaceRoot}/dist/drivers/probe/probe.o', '{workspaceRoot}/dist/drivers/probe/inline-report.json']);
    expect(project.targets['clang-bc'].inputs).toContain('{projectRoot}/helpers/probe_helpers.c');
    expect(project.targets['rust-bc'].inputs).toContain('{projectRoot}/**/*.rs');
    expect(project.targets.test.inputs).toContain('{projectRoot}/test/probe_test.c');
  });
});
