import Ajv from 'ajv';
import { execa, ResultPromise } from 'execa';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ET_REL, readElf } from '../packages/nx-local-lto/src/elf/elf';
import type { InlineReport } from '../packages/nx-local-lto/src/inline/report';
import reportSchema from '../packages/nx-local-lto/src/inline/inline-report.schema.json';
import { closedPortUrl, RemoteCacheServer, startRemoteCacheServer } from './support/remote-cache-server';
import { copyWorkspace, isolatedNxEnv, KUID_HELPER, nx, useInferredTargets, withBrokenKuidHelper } from './support/workspace';
import { listFiles as files } from '../packages/nx-local-lto/src/executors/testing/fixture-workspace';

/**
 * Issue 8 (robustness) with real nx, in one copy of the workspace at a path with a space and
 * non-ASCII characters (`.../ws with space/ünï-XXXX`): what the user sees for bad options,
 * compiler errors and caching, a killed `nx build` process group, generators refusing to
 * write, concurrent builds, and each remote-cache fault. The executor-level half (every
 * executor's validation, missing inputs, kills of the executor process, no shell, doctor's
 * cache check) is packages/nx-local-lto/src/executors/robustness.spec.ts. The workspace infers
 * executor targets (what project.json users get); e2e/command-route.spec.ts checks the same
 * promises on the default nx:run-commands targets.
 */

const base = mkdtempSync(join(tmpdir(), 'local-lto-robust-e2e-'));
let ws: string;
let env: Record<string, string>;
const validReport = new Ajv({ allErrors: true, strict: false }).compile(reportSchema);


/** Tasks that ran (no cache marker) in a `--outputStyle=static` run. */
const ran = (output: unknown) => [...String(output).matchAll(/^> nx run (\S+:\S+)\s*$/gm)].map((m) => m[1]);
const fromCache = (output: unknown) => [...String(output).matchAll(/^> nx run (\S+:\S+)\s+\[[^\]]*cache[^\]]*\]\s*$/gm)].map((m) => m[1]);

/** The driver's object is an ELF relocatable and its report is complete and valid. */
function expectDriverOutputs(root: string, driver: string): InlineReport {
  const object = join(root, 'dist/drivers', driver, `${driver}.o`);
  expect(readElf(object).type).toBe(ET_REL);
  const report = JSON.parse(readFileSync(join(root, 'dist/drivers', driver, 'inline-report.json'), 'utf8')) as InlineReport;
  expect(validReport(report) ? [] : validReport.errors).toEqual([]);
  expect(report.summary.inlined).toBeGreaterThan(0);
  expect(report.summary.requiredCalls).toBe(0);
  expect(files(join(root, 'dist')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  return report;
}

/** Pids and command names of processes whose command line mentions `needle`. */
async function processesMentioning(needle: string): Promise<Array<{ pid: number; comm: string; args: string }>> {
  const { stdout } = await execa('ps', ['-eo', 'pid=,comm=,args=']);
  return stdout
    .split('\n')
    .filter((l) => l.includes(needle) && !/\bps -eo\b/.test(l))
    .map((l) => l.trim().split(/\s+/))
    .map(([pid, comm, ...args]) => ({ pid: Number(pid), comm, args: args.join(' ') }));
}

async function until<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 120000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  mkdirSync(join(base, 'ws with space'), { recursive: true });
  ws = await copyWorkspace(`${relative(tmpdir(), base)}/ws with space/ünï-`);
  useInferredTargets(ws, 'executors');
  env = isolatedNxEnv();
}, 120000);
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('robustness with real nx', () => {
  it('5. kuid builds end to end in a workspace whose path has a space and non-ASCII characters', async () => {
    expect(ws).toMatch(/\/ws with space\/ünï-[^/]+$/);
    const run = await nx(ws, ['build', 'kuid', '--outputStyle=static'], env);
    expect({ exitCode: run.exitCode, all: run.all }).toEqual({ exitCode: 0, all: expect.any(String) });
    expectDriverOutputs(ws, 'kuid');
  });

  it("1. a bad option on the command line: Nx's own validation names the option and the accepted values, nothing runs", async () => {
    const run = await nx(ws, ['run', 'kuid:rust-bc', '--profile=bogus', '--excludeTaskDependencies', '--outputStyle=static'], env);
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toContain("Property 'profile' does not match the schema. 'bogus' should be one of user,kernel.");
    const unknown = await nx(ws, ['run', 'kuid:rust-bc', '--bogus=1', '--excludeTaskDependencies', '--outputStyle=static'], env);
    expect(unknown.exitCode).not.toBe(0);
    // Nx names the option but not the accepted ones (the plugin's own line, which does, is for direct calls).
    expect(unknown.all).toContain("'bogus' is not found in schema");
    const generator = await nx(ws, ['g', 'nx-local-lto:driver', 'zz', '--profile=bogus', '--dry-run'], env);
    expect(generator.exitCode).not.toBe(0);
    expect(generator.all).toContain("Property 'profile' does not match the schema. 'bogus' should be one of user,kernel.");
  });

  it('3. a C error reaches the user verbatim with the command line; the failure is not cached and leaves no output', async () => {
    const helper = join(ws, KUID_HELPER);
    const good = await withBrokenKuidHelper(ws, async (line) => {
      for (const attempt of [1, 2]) {
        const run = await nx(ws, ['run', 'kuid:clang-bc', '--outputStyle=static'], env);
        expect(run.exitCode).not.toBe(0);
        expect(run.all).toContain(`drivers/kuid/helpers/kuid_helpers.c:${line}:27: error: use of undeclared identifier 'undeclared_name'`);
        expect(run.all).toMatch(/command: \S*clang\S* .*drivers\/kuid\/helpers\/kuid_helpers\.c/);
        // Ran again on the second attempt: Nx keeps no cache entry for a failed task.
        expect({ attempt, ran: ran(run.all) }).toEqual({ attempt, ran: expect.arrayContaining(['kuid:clang-bc']) });
        expect(files(join(ws, 'dist/drivers/kuid'))).toEqual([]);
      }
    });
    // Fixed by a source never built before: the task runs (a revert to the original would rightly be a cache hit).
    writeFileSync(helper, `${good.replace(/\n?$/, '\n')}int fixed_now(void) { return 1; }\n`);
    try {
      const fixed = await nx(ws, ['build', 'kuid', '--outputStyle=static'], env);
      expect({ exitCode: fixed.exitCode, all: fixed.all }).toEqual({ exitCode: 0, all: expect.any(String) });
      expect(ran(fixed.all)).toContain('kuid:clang-bc');
      expect(fromCache(fixed.all)).not.toContain('kuid:clang-bc');
    } finally {
      writeFileSync(helper, good);
    }
    expectDriverOutputs(ws, 'kuid');
  });

  it('6. generators refuse a directory outside the workspace and an existing project, and write nothing', async () => {
    const before = files(ws).filter((f) => !f.startsWith('node_modules/'));
    const outside = await nx(ws, ['g', 'nx-local-lto:driver', 'evil', '--directory=../escape'], env);
    expect(outside.exitCode).not.toBe(0);
    expect(outside.all).toMatch(/directory '\.\.\/escape' is outside the workspace/);
    const existing = await nx(ws, ['g', 'nx-local-lto:driver', 'kuid'], env);
    expect(existing.exitCode).not.toBe(0);
    expect(existing.all).toMatch(/kuid.*(exists|already)/i);
    expect(files(ws).filter((f) => !f.startsWith('node_modules/'))).toEqual(before);
    expect(existsSync(join(ws, '..', 'escape'))).toBe(false);
  });

  describe('a second driver sharing kernel-helpers, slow to compile', () => {
    beforeAll(async () => {
      const gen = await nx(ws, ['g', 'nx-local-lto:driver', 'slowdrv', '--libs=kernel-helpers'], env);
      expect({ exitCode: gen.exitCode, all: gen.all }).toEqual({ exitCode: 0, all: expect.any(String) });
      let extra = '';
      for (let i = 0; i < 1500; i++) {
        extra += `pub mod m${i} { #[inline(never)] pub fn f${i}(x: u64) -> u64 { let mut a = x; for j in 0..${3 + (i % 40)} { a = a.rotate_left(j) ^ ${i * 7919}; } a } }\n`;
      }
      appendFileSync(join(ws, 'drivers/slowdrv/src/lib.rs'), extra);
    }, 120000);

    it('4. `nx build` killed with SIGINT as a process group (Ctrl-C) during rustc: no partial output, no temporary, no orphan; the next build succeeds', async () => {
      rmSync(join(ws, 'dist/drivers/slowdrv'), { recursive: true, force: true });
      const build: ResultPromise = execa(join(ws, 'node_modules/.bin/nx'), ['build', 'slowdrv', '--outputStyle=static'], {
        cwd: ws,
        env,
        detached: true, // its own process group, as a terminal gives it
        reject: false,
        all: true,
        stdin: 'ignore',
      });
      const rustc = await until('rustc on slowdrv', async () => (await processesMentioning(base)).find((p) => p.comm === 'rustc' && p.args.includes('slowdrv')));
      await new Promise((r) => setTimeout(r, 500));
      process.kill(-build.pid!, 'SIGINT');
      const end = await build;
      expect(end.exitCode !== 0 || end.signal !== undefined).toBe(true);
      await until(`rustc ${rustc.pid} and every process of the build to end`, async () => ((await processesMentioning(base)).length === 0 ? true : undefined), 15000);
      expect(files(join(ws, 'dist')).filter((f) => f.includes('.tmp-'))).toEqual([]);
      // rust-bc left nothing; a task that had finished (clang-bc) left complete bitcode only.
      const left = files(join(ws, 'dist/drivers/slowdrv'));
      expect(left.filter((f) => f.startsWith('rust/') || f.endsWith('.o') || f.endsWith('.json'))).toEqual([]);
      for (const f of left.filter((f) => f.endsWith('.bc'))) expect(readFileSync(join(ws, 'dist/drivers/slowdrv', f)).subarray(0, 4).toString('hex')).toBe('4243c0de');

      const next = await nx(ws, ['build', 'slowdrv', '--outputStyle=static'], env);
      expect({ exitCode: next.exitCode, all: next.all }).toEqual({ exitCode: 0, all: expect.any(String) });
      expect(ran(next.all)).toContain('slowdrv:rust-bc');
      expectDriverOutputs(ws, 'slowdrv');
    });

    it('7. two drivers sharing a library built with run-many --parallel=2, then two `nx build kuid` at once: all succeed, outputs complete', async () => {
      const many = await nx(ws, ['run-many', '-t', 'build', '-p', 'kuid', 'slowdrv', '--parallel=2', '--skip-nx-cache', '--outputStyle=static'], env);
      expect({ exitCode: many.exitCode, all: many.all }).toEqual({ exitCode: 0, all: expect.any(String) });
      expect(ran(many.all)).toEqual(expect.arrayContaining(['kuid:build', 'slowdrv:build', 'kernel-helpers:clang-bc-user']));
      expectDriverOutputs(ws, 'kuid');
      expectDriverOutputs(ws, 'slowdrv');

      const [a, b] = await Promise.all([1, 2].map(() => nx(ws, ['build', 'kuid', '--skip-nx-cache', '--outputStyle=static'], env)));
      expect({ a: a.exitCode, b: b.exitCode }).toEqual({ a: 0, b: 0 });
      const report = expectDriverOutputs(ws, 'kuid');
      expect(report.summary.calls).toBe(0);
    });
  });

  describe('8. remote cache faults (Nx 22.7.12 client), then a local build on the same local cache', () => {
    let server: RemoteCacheServer;
    beforeAll(async () => {
      server = await startRemoteCacheServer([{ name: 'ci', token: 'rw-token', write: true }]);
    });
    afterAll(() => server.close());

    /** A build of kuid against the remote cache with a fresh local cache, then one without the remote cache on that local cache. */
    async function faultRun(url: string, token: string) {
      const local = isolatedNxEnv();
      const before = files(join(ws, 'dist/drivers/kuid'));
      const started = Date.now();
      const remote = await nx(ws, ['build', 'kuid', '--outputStyle=static'], { ...local, NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token });
      const seconds = (Date.now() - started) / 1000;
      server.fault = { kind: 'none' };
      return { remote, seconds, before, local };
    }
    async function localAfter(local: Record<string, string>) {
      const after = await nx(ws, ['build', 'kuid', '--outputStyle=static'], local);
      expect({ exitCode: after.exitCode, all: after.all }).toEqual({ exitCode: 0, all: expect.any(String) });
      expectDriverOutputs(ws, 'kuid');
    }

    it('down (closed port): Nx fails the whole run ("Failed to send request") before any task; outputs untouched', async () => {
      const { remote } = await faultRun(await closedPortUrl(), 'rw-token');
      expect(remote.exitCode).not.toBe(0);
      expect(remote.all).toMatch(/Failed to send request: error sending request for url \(http:\/\/127\.0\.0\.1:\d+\/v1\/cache\/\d+\)/);
      expect(ran(remote.all)).toEqual([]);
      expectDriverOutputs(ws, 'kuid');
    });

    it('rejecting the token (401): Nx fails the whole run ("Unauthorized") before any task', async () => {
      const n = server.requests.length;
      server.fault = { kind: 'reject-token' };
      const { remote } = await faultRun(server.url, 'rw-token');
      expect(remote.exitCode).not.toBe(0);
      expect(remote.all).toContain('Unauthorized: Missing or invalid authentication token.');
      expect(ran(remote.all)).toEqual([]);
      const requests = server.requests.slice(n).map((r) => `${r.method} ${r.status}`);
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.every((r) => r === 'GET 401')).toBe(true); // one per task of the first batch, then the run stops
      expectDriverOutputs(ws, 'kuid');
    });

    it('garbage body: Nx fails the whole run ("Failed to read entry from tarball"); the local cache stays usable', async () => {
      server.fault = { kind: 'garbage' };
      const { remote, local } = await faultRun(server.url, 'rw-token');
      expect(remote.exitCode).not.toBe(0);
      expect(remote.all).toContain('Failed to read entry from tarball');
      expect(ran(remote.all)).toEqual([]);
      expectDriverOutputs(ws, 'kuid');
      await localAfter(local);
    });

    it('read-only (403 on every PUT): the build succeeds silently, nothing is stored', async () => {
      const n = server.requests.length;
      server.fault = { kind: 'read-only' };
      const stored = server.entries.size;
      const { remote } = await faultRun(server.url, 'rw-token');
      expect({ exitCode: remote.exitCode, all: remote.all }).toEqual({ exitCode: 0, all: expect.any(String) });
      const puts = server.requests.slice(n).filter((r) => r.method === 'PUT');
      expect(puts.length).toBeGreaterThan(0);
      expect(puts.every((r) => r.status === 403)).toBe(true);
      expect(server.entries.size).toBe(stored);
      expectDriverOutputs(ws, 'kuid');
    });

    it('slow (every answer 1 s late): Nx sets no timeout, waits, and the build succeeds with correct outputs', async () => {
      server.fault = { kind: 'slow', delayMs: 1000 };
      const { remote, seconds } = await faultRun(server.url, 'rw-token');
      expect({ exitCode: remote.exitCode, all: remote.all }).toEqual({ exitCode: 0, all: expect.any(String) });
      expect(seconds).toBeGreaterThan(2); // at least one GET and one PUT on the critical path
      expectDriverOutputs(ws, 'kuid');
    });

    it('doctor through nx: one line on the cache (here: token refused) and a failed target', async () => {
      const run = await nx(ws, ['run', 'kuid:doctor', '--outputStyle=static'], { ...env, NX_SELF_HOSTED_REMOTE_CACHE_SERVER: server.url, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: 'wrong' });
      expect(run.exitCode).not.toBe(0);
      expect(run.all).toMatch(/FAIL remote cache http:\/\/127\.0\.0\.1:\d+: token REFUSED \(GET answered 401\)/);
    });
  });
});
