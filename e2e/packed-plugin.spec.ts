import { execa } from 'execa';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolatedNxEnv, nx, repoRoot } from './support/workspace';

/**
 * The published form of the plugin: `npm run build:plugin` + `npm pack`, installed from the
 * tarball into a FRESH workspace (package.json, nx.json, npm install; nothing of this repo but
 * the two libraries copied in), then init, three drivers, build, test and graph, all through
 * the compiled JS. No TypeScript transpiler is installed there, so none can be loaded.
 */

const NX_VERSION = '22.7.12';
const DRIVERS = ['plain', 'withc', 'withrust'];

/** Appended to the rust-crate driver: one exported function that calls the support crate's inline method. */
const KUID_FN = `
/// \`uid\` mapped through a one-extent user namespace by the support crate (\`kernel::Kuid::from_raw_in\`).
#[no_mangle]
pub extern "C" fn withrust_kuid_raw(uid: u32) -> u32 {
    let extent = kernel::UidGidExtent { first: 0, lower_first: 100000, count: 65536 };
    let ns = kernel::UserNamespace { uid_map: kernel::UidGidExtent { ..extent }, gid_map: extent };
    kernel::Kuid::from_raw_in(&ns, uid).as_raw()
}
`;

interface Report {
  summary: { callSites: number; inlined: number; calls: number };
  helpers: Array<{ symbol: string; callSites: Array<{ caller: string; verdict: string }> }>;
}

const readReport = (ws: string, driver: string): Report => JSON.parse(readFileSync(join(ws, 'dist/drivers', driver, 'inline-report.json'), 'utf8'));

/** Generates the three drivers of this test in `ws` with that workspace's own nx. */
async function generateDrivers(ws: string, env: Record<string, string>): Promise<void> {
  for (const args of [
    ['plain', '--helpers=a,b'],
    ['withc', '--libs=kernel-helpers'],
    ['withrust', '--libs=kernel'],
  ]) {
    const run = await nx(ws, ['g', 'nx-local-lto:driver', ...args], env);
    expect({ args, exitCode: run.exitCode, out: run.exitCode ? run.all : '' }).toEqual({ args, exitCode: 0, out: '' });
  }
  appendFileSync(join(ws, 'drivers/withrust/src/lib.rs'), KUID_FN);
}

/** [from cache, total] of Nx's summary line; a run that did not print it counts as nothing cached. */
function cacheCount(all: string): [number, number] {
  const m = /read the output from the cache instead of running the command for (\d+) out of (\d+) tasks/.exec(all);
  return m ? [Number(m[1]), Number(m[2])] : [0, -1];
}

describe('the packed plugin in a fresh workspace', () => {
  let ws: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    await execa('npm', ['run', 'build:plugin'], { cwd: repoRoot });
    const packDir = mkdtempSync(join(tmpdir(), 'local-lto-pack-'));
    const pack = await execa('npm', ['pack', join(repoRoot, 'dist/packages/nx-local-lto'), '--pack-destination', packDir, '--json'], { cwd: packDir });
    const tarball = join(packDir, JSON.parse(pack.stdout)[0].filename);

    ws = mkdtempSync(join(tmpdir(), 'local-lto-packed-'));
    writeFileSync(
      join(ws, 'package.json'),
      `${JSON.stringify({ name: 'packed-workspace', private: true, devDependencies: { nx: NX_VERSION, '@nx/devkit': NX_VERSION, 'nx-local-lto': `file:${tarball}` } }, null, 2)}\n`,
    );
    writeFileSync(join(ws, 'nx.json'), '{}\n');
    writeFileSync(join(ws, '.gitignore'), 'node_modules\ndist\n.nx\n');
    // Many workspaces have one; Nx would use it to register a TS transpiler if it thought the plugin needed one.
    writeFileSync(join(ws, 'tsconfig.base.json'), '{ "compilerOptions": {} }\n');
    await execa('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: ws });
    env = isolatedNxEnv();
  });

  it('is compiled JS that loads without a TypeScript transpiler', async () => {
    const installed = join(ws, 'node_modules/nx-local-lto');
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(pkg.main).toBe('./src/index.js');
    expect(pkg.peerDependencies).toEqual({ nx: NX_VERSION });
    for (const file of ['src/index.js', 'src/index.d.ts', 'executors.json', 'generators.json', 'README.md', 'bin/toolchain-id.js', 'src/inline/inline-report.schema.json', 'src/generators/driver/files/src/lib.rs.template', 'src/executors/rust-bc/schema.json']) {
      expect([file, existsSync(join(installed, file))]).toEqual([file, true]);
    }
    for (const file of ['src/index.ts', 'src/executors/testing', 'src/toolchain/discover.spec.js']) {
      expect([file, existsSync(join(installed, file))]).toEqual([file, false]);
    }
    // Nothing that could transpile TypeScript is installed, so nothing below can have used one.
    for (const name of ['@swc-node/register', '@swc/core', 'ts-node', 'typescript']) {
      expect([name, existsSync(join(ws, 'node_modules', name))]).toEqual([name, false]);
    }
    const load = await execa('node', ['-e', "const p = require('nx-local-lto'); console.log(typeof p.createNodesV2[1], typeof p.createDependencies)"], { cwd: ws });
    expect(load.stdout).toBe('function function');
    const id = await execa('node', [join(installed, 'bin/toolchain-id.js'), 'rustc'], { cwd: ws });
    expect(id.stdout).toMatch(/^rustc: \/.*\nrustc \d/);
  });

  it('init registers the plugin', async () => {
    const run = await nx(ws, ['g', 'nx-local-lto:init'], env);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(join(ws, 'nx.json'), 'utf8')).plugins).toEqual(['nx-local-lto']);
  });

  it('three generated drivers (plain, C library, Rust support crate) build with every helper inlined and pass their tests', async () => {
    for (const lib of ['kernel-helpers', 'kernel']) cpSync(join(repoRoot, 'libs', lib), join(ws, 'libs', lib), { recursive: true });
    await generateDrivers(ws, env);
    expect(readFileSync(join(ws, 'drivers/withrust/src/lib.rs'), 'utf8')).toContain('\npub use kernel;\n');

    const build = await nx(ws, ['run-many', '-t', 'build', '-p', DRIVERS.join(',')], env);
    expect({ exitCode: build.exitCode, out: build.exitCode ? build.all : '' }).toEqual({ exitCode: 0, out: '' });
    expect(String(build.all)).not.toMatch(/transpil|swc|ts-node/i);

    const expected: Record<string, string[]> = {
      plain: ['rust_helper_a', 'rust_helper_b'],
      withc: ['rust_helper_example'],
      withrust: ['rust_helper_example', 'rust_helper_make_kuid'],
    };
    for (const driver of DRIVERS) {
      const report = readReport(ws, driver);
      const called = report.helpers.filter((h) => h.callSites.length).map((h) => h.symbol).sort();
      expect({ driver, called }).toEqual({ driver, called: expected[driver] });
      expect({ driver, ...report.summary }).toMatchObject({ driver, callSites: expected[driver].length, inlined: expected[driver].length, calls: 0 });
      for (const h of report.helpers) for (const site of h.callSites) expect([h.symbol, site.verdict]).toEqual([h.symbol, 'inlined']);
    }
    const kuid = readReport(ws, 'withrust').helpers.find((h) => h.symbol === 'rust_helper_make_kuid');
    expect(kuid?.callSites).toEqual([expect.objectContaining({ caller: 'withrust_kuid_raw', verdict: 'inlined' })]);

    for (const driver of DRIVERS) {
      const test = await nx(ws, ['test', driver], env);
      expect({ driver, exitCode: test.exitCode, out: test.exitCode ? test.all : '' }).toEqual({ driver, exitCode: 0, out: '' });
      expect(String(test.all)).toMatch(new RegExp(`${driver}: (\\d+) of \\1 checks passed`));
    }
  });

  it('nx graph has the edges driver -> kernel -> kernel-helpers', async () => {
    const file = join(ws, 'graph.json');
    const run = await nx(ws, ['graph', `--file=${file}`], env);
    expect(run.exitCode).toBe(0);
    const deps = JSON.parse(readFileSync(file, 'utf8')).graph.dependencies;
    const targets = (p: string) => deps[p].map((d: { target: string }) => d.target).sort();
    expect(targets('withrust')).toEqual(['kernel']);
    expect(targets('kernel')).toEqual(['kernel-helpers']);
    expect(targets('withc')).toEqual(['kernel-helpers']);
    expect(targets('plain')).toEqual([]);
  });

  it('a second nx run-many -t build is fully cached', async () => {
    const run = await nx(ws, ['run-many', '-t', 'build', '-p', DRIVERS.join(',')], env);
    expect(run.exitCode).toBe(0);
    const [cached, total] = cacheCount(String(run.all));
    expect(cached).toBe(total);
  });
});
