import { execa } from 'execa';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFiles as files } from '../packages/nx-local-lto/src/executors/testing/fixture-workspace';
import { taskSections } from './support/nx-output';
import { copyWorkspace, digests, isolatedNxEnv, nx, repoRoot } from './support/workspace';

/**
 * The link server (src/link-server): the default link command hands its step to a long-lived
 * Node process through bin/link-client.c, else runs it in a process of its own. Real Nx, real
 * tools, a real server; an ld.lld wrapper that waits on request holds a link in flight.
 */
const build = ['run-many', '-t', 'build', '-p', 'kuid', 'uring-nop', '--outputStyle=static', '--skip-nx-cache', '--verbose'];
const SERVED = /\(run by the link server, pid (\d+);/;
let ws: string;
let own: Record<string, string>;
let ownKuid: Record<string, string>;
const env = isolatedNxEnv();

const sleeping = async () => (await execa('pgrep', ['-f', 'sleep 31.5'], { reject: false })).stdout.trim().split('\n').filter(Boolean);
const waitFor = async (what: () => Promise<boolean>, tenths = 600) => {
  for (let i = 0; i < tenths && !(await what()); i++) await new Promise((r) => setTimeout(r, 100));
  return what();
};

/** Builds until the links are served (the first run compiles the client, the second starts the server). */
async function servedBuild(e: Record<string, string>): Promise<{ all: string; pid: string }> {
  let last = '';
  for (let i = 0; i < 4; i++) {
    rmSync(join(ws, 'dist'), { recursive: true, force: true });
    const r = await nx(ws, build, e);
    if (r.exitCode !== 0) throw new Error(r.all);
    last = r.all;
    const m = SERVED.exec(r.all);
    if (m) return { all: r.all, pid: m[1] };
  }
  throw new Error(`no link was served in 4 builds:\n${last}`);
}

beforeAll(async () => {
  ws = await copyWorkspace('local-lto-link-server-');
  // An ld.lld that, while `hold` exists, waits (a `sleep` that is findable) before linking; killed, it ends its sleep.
  writeFileSync(
    join(ws, 'slow-ld'),
    `#!/bin/sh\ncase " $* " in *" -r "*) [ ! -e '${join(ws, 'hold')}' ] || { trap 'kill $! 2>/dev/null; exit 143' TERM; sleep 31.5 & wait $! || exit 1; } ;; esac\nexec ld.lld-22 "$@"\n`,
  );
  chmodSync(join(ws, 'slow-ld'), 0o755);
  const off = await nx(ws, build, { ...env, LOCAL_LTO_LINK_SERVER: 'off' });
  if (off.exitCode !== 0) throw new Error(off.all);
  expect(off.all).not.toMatch(SERVED);
  own = digests(join(ws, 'dist'));
  ownKuid = digests(join(ws, 'dist/drivers/kuid'));
}, 300000);
afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe('the link server', () => {
  it('runs the links once it is up, to the same bytes as links in their own process (LOCAL_LTO_LINK_SERVER=off)', async () => {
    const a = await servedBuild(env);
    expect(a.all).toContain('inline report for dist/drivers/kuid/kuid.o: 15 call sites of 13 helpers, 15 inlined, 0 calls');
    expect(digests(join(ws, 'dist'))).toEqual(own);
    // The same server again, for both drivers.
    rmSync(join(ws, 'dist'), { recursive: true, force: true });
    const b = await nx(ws, build, env);
    expect([...b.all.matchAll(new RegExp(SERVED, 'g'))].map((m) => m[1])).toEqual([a.pid, a.pid]);
    expect(digests(join(ws, 'dist'))).toEqual(own);
    // Each served link asks its tools afresh, as in a process of its own: both print clang's feature query.
    const s = taskSections(b.all);
    for (const task of ['kuid:build', 'uring-nop:build']) expect(s.get(task)?.text).toMatch(/^\$ echo 'void f\(void\) \{\}' \| \S*clang\S* /m);
  });

  it('from an empty cache folder: the first link compiles the client (once, in the background), later links are served', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'local-lto-xdg-'));
    try {
      const e = { ...env, XDG_CACHE_HOME: cache };
      const first = await nx(ws, build, e);
      expect(first.exitCode).toBe(0);
      expect(first.all).not.toMatch(SERVED);
      await waitFor(async () => readdirSync(join(cache, 'nx-local-lto')).some((f) => /^link-client-[0-9a-f]{16}$/.test(f)), 100);
      expect(readdirSync(join(cache, 'nx-local-lto')).filter((f) => f.startsWith('link-client-'))).toEqual([expect.stringMatching(/^link-client-[0-9a-f]{16}$/)]);
      await servedBuild(e);
      expect(digests(join(ws, 'dist'))).toEqual(own);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('Ctrl-C during a served link: the server ends its tools, no output is left, the next link is served', async () => {
    const e = { ...env, LOCAL_LTO_LD: join(ws, 'slow-ld') };
    const { pid } = await servedBuild(e);
    writeFileSync(join(ws, 'hold'), '');
    rmSync(join(ws, 'dist/drivers/kuid'), { recursive: true, force: true });
    const run = execa(join(ws, 'node_modules/.bin/nx'), ['build', 'kuid', '--outputStyle=static', '--skip-nx-cache', '--verbose'], { cwd: ws, env: e, detached: true, reject: false, stdin: 'ignore', all: true });
    expect(await waitFor(async () => (await sleeping()).length > 0)).toBe(true);
    // The waiting ld.lld is the server's child: the link is served.
    const [sleep] = await sleeping();
    const wrapper = readFileSync(`/proc/${sleep}/stat`, 'utf8').split(') ')[1].split(' ')[1];
    expect(readFileSync(`/proc/${wrapper}/stat`, 'utf8').split(') ')[1].split(' ')[1]).toBe(pid);
    process.kill(-run.pid!, 'SIGINT');
    const end = await run;
    expect(end.exitCode !== 0 || end.signal !== undefined).toBe(true);
    expect(await waitFor(async () => (await sleeping()).length === 0, 100)).toBe(true);
    expect(await waitFor(async () => !files(join(ws, 'dist/drivers/kuid')).some((f) => !f.startsWith('rust/') && !f.startsWith('c/')), 50)).toBe(true);
    rmSync(join(ws, 'hold'));
    const next = await nx(ws, ['build', 'kuid', '--outputStyle=static', '--skip-nx-cache', '--verbose'], e);
    expect(next.exitCode).toBe(0);
    expect(SERVED.exec(next.all)?.[1]).toBe(pid);
    expect(digests(join(ws, 'dist/drivers/kuid'))).toEqual(ownKuid);
  });

  it('the server killed mid-link: the client runs the link itself, to the same bytes', async () => {
    const e = { ...env, LOCAL_LTO_LD: join(ws, 'slow-ld') };
    const { pid } = await servedBuild(e);
    writeFileSync(join(ws, 'hold'), '');
    rmSync(join(ws, 'dist'), { recursive: true, force: true });
    const run = nx(ws, build, e);
    expect(await waitFor(async () => (await sleeping()).length > 0)).toBe(true);
    rmSync(join(ws, 'hold'));
    process.kill(Number(pid), 'SIGKILL');
    for (const s of await sleeping()) process.kill(Number(s), 'SIGKILL');
    const r = await run;
    expect(r.exitCode).toBe(0);
    expect(digests(join(ws, 'dist'))).toEqual(own);
    expect(files(join(ws, 'dist')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a rebuilt plugin: the old server refuses and quits, the link runs itself, a new server serves the next', async () => {
    const { pid } = await servedBuild(env);
    const stamp = join(repoRoot, 'dist/packages/nx-local-lto/package.json');
    expect(existsSync(stamp)).toBe(true);
    const now = new Date(Date.now() + 1000);
    utimesSync(stamp, now, now);
    rmSync(join(ws, 'dist'), { recursive: true, force: true });
    const refused = await nx(ws, build, env);
    expect(refused.exitCode).toBe(0);
    expect([...refused.all.matchAll(new RegExp(SERVED, 'g'))].map((m) => m[1])).not.toContain(pid);
    expect(await waitFor(async () => !existsSync(`/proc/${pid}`), 100)).toBe(true);
    const again = await servedBuild(env);
    expect(again.pid).not.toBe(pid);
    expect(digests(join(ws, 'dist'))).toEqual(own);
  });
});
