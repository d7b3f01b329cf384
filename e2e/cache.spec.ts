import { execa } from 'execa';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ranTasks, TaskSection, taskSections } from './support/nx-output';
import { RemoteCacheServer, startRemoteCacheServer } from './support/remote-cache-server';
import { copyWorkspace, digests, isolatedNxEnv, nx, repoRoot } from './support/workspace';

/**
 * Issue 6 acceptance with real nx: exact cache keys (incremental rebuilds, toolchain identity,
 * honoured env vars) and a shared remote cache between two clones at different paths.
 *
 * Which tasks ran is read from `--outputStyle=static`: Nx prints one `> nx run p:t` header
 * per task, followed by `[local cache]`, `[remote cache]` or `[existing outputs match the
 * cache, left as is]` when the task was restored instead of run (checked on Nx 22.7.12), and
 * a final "Nx read the output from the cache ... for X out of Y tasks". Tasks with executor
 * `nx:noop` print nothing when they run, so they are left out of every comparison. The tool
 * call logs written by PATH wrappers are the ground truth for "ran no compiler".
 */

/**
 * Makes the copy `ws` load the plugin from its own packages/nx-local-lto instead of the
 * checkout's (node_modules/nx-local-lto is a workspace link into the checkout). Nx hashes
 * every target of a project into each of its tasks, so an edit to the plugin in the checkout
 * between two runs would change every hash and turn expected hits into misses.
 */
function usePluginCopy(ws: string): void {
  const modules = join(ws, 'node_modules');
  const shared = realpathSync(modules);
  unlinkSync(modules);
  mkdirSync(modules);
  for (const entry of readdirSync(shared)) {
    symlinkSync(entry === 'nx-local-lto' ? join(ws, 'packages', 'nx-local-lto') : join(shared, entry), join(modules, entry));
  }
  const pluginModules = join(repoRoot, 'packages', 'nx-local-lto', 'node_modules');
  if (existsSync(pluginModules)) symlinkSync(pluginModules, join(ws, 'packages', 'nx-local-lto', 'node_modules'));
}

/** Real path of a tool on the test's PATH. */
async function realTool(name: string): Promise<string> {
  return (await execa('sh', ['-c', `command -v ${name}`])).stdout.trim();
}

/**
 * Folder of wrappers named like the tools the pipeline runs; each appends `<name> <args>` to
 * $TOOL_CALL_LOG and execs the real tool. Shared by both agents, so the tool paths the
 * identity inputs print are the same on both.
 */
async function toolWrappers(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'local-lto-tool-wrappers-'));
  for (const name of ['rustc', 'clang-22', 'ld.lld-22', 'llvm-link-22']) {
    const real = await realTool(name);
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> "\${TOOL_CALL_LOG:-/dev/null}"\nexec '${real}' "$@"\n`);
    chmodSync(file, 0o755);
  }
  return dir;
}

/** Logged tool calls, one `<tool> <args>` per line. */
function calls(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

/** Calls that only ask a tool who it is (what the identity inputs and discovery run). */
/**
 * What hashing runs (no build work): tool identity queries, the list of files a helper reads
 * (`-M`, when its dependency file is not there yet) for the key of the headers it reads outside
 * the workspace, and a bound header preprocessed (`-include <h> -E -P /dev/null`) for bindgen's key.
 */
const identityQuery = /^\S+ (-vV|--version|--print sysroot)$|^clang-22 .* -E -P \/dev\/null$|^clang-22 .* -M -MT deps \S+\.c$/;

describe('cache keys and a shared remote cache (two agents)', () => {
  const drivers = ['kuid', 'uring-nop'];
  const build = ['run-many', '-t', 'build', '-p', ...drivers, '--outputStyle=static'];
  let server: RemoteCacheServer;
  let wrappers: string;
  let logs: string;
  let agentA: string;
  let agentB: string;
  /** Agent A's local-only environment (same local cache as its remote runs). */
  let envA: Record<string, string>;
  let remoteEnvA: Record<string, string>;
  let noop: Set<string>;
  /** Compile tasks of the shared library (its targets other than the noop aggregate). */
  let libraryTasks: string[];
  let firstA: Map<string, TaskSection>;

  const remote = (token: string) => ({ NX_SELF_HOSTED_REMOTE_CACHE_SERVER: server.url, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token });
  const withWrappers = (log: string) => ({ PATH: `${wrappers}:${process.env.PATH}`, TOOL_CALL_LOG: join(logs, log) });

  /** Runs the build in `ws` and returns the status of every task but the noop ones. */
  async function buildIn(ws: string, env: Record<string, string>): Promise<Map<string, TaskSection>> {
    const run = await nx(ws, build, env);
    if (run.exitCode !== 0) throw new Error(`nx build failed in ${ws}:\n${run.all}`);
    const all = taskSections(run.all);
    for (const t of noop) all.delete(t);
    return all;
  }

  beforeAll(async () => {
    server = await startRemoteCacheServer([
      { name: 'ci', token: 'ci-write-token', write: true },
      { name: 'pr', token: 'pr-read-only-token', write: false },
    ]);
    wrappers = await toolWrappers();
    logs = mkdtempSync(join(tmpdir(), 'local-lto-tool-logs-'));
    agentA = await copyWorkspace('local-lto-agent-a-');
    agentB = await copyWorkspace('local-lto-agent-b-longer-path-');
    usePluginCopy(agentA);
    usePluginCopy(agentB);

    envA = isolatedNxEnv(withWrappers('a.log'));
    remoteEnvA = { ...envA, ...remote('ci-write-token') };
    const graphFile = join(mkdtempSync(join(tmpdir(), 'local-lto-graph-')), 'graph.json');
    const graph = await nx(agentA, ['graph', `--file=${graphFile}`], envA);
    if (graph.exitCode !== 0) throw new Error(`nx graph failed:\n${graph.all}`);
    const nodes: Record<string, { data: { targets: Record<string, { executor?: string }> } }> = JSON.parse(readFileSync(graphFile, 'utf8')).graph.nodes;
    noop = new Set(Object.entries(nodes).flatMap(([p, n]) => Object.entries(n.data.targets).filter(([, t]) => t.executor === 'nx:noop').map(([t]) => `${p}:${t}`)));
    libraryTasks = Object.entries(nodes['kernel-helpers'].data.targets)
      .filter(([, t]) => t.executor !== 'nx:noop')
      .map(([t]) => `kernel-helpers:${t}`);

    firstA = await buildIn(agentA, remoteEnvA);
  });

  afterAll(async () => {
    await server?.close();
  });

  it('agent A builds every task, running the compilers, and uploads each result', () => {
    expect([...firstA.values()].every((s) => s.status === 'ran')).toBe(true);
    expect(firstA.size).toBeGreaterThanOrEqual(7);
    const a = calls(join(logs, 'a.log')).filter((c) => !identityQuery.test(c));
    // Positive control for agent B: the wrappers do see real compiles.
    for (const tool of ['rustc', 'clang-22', 'llvm-link-22', 'ld.lld-22']) expect(a.some((c) => c.startsWith(`${tool} `))).toBe(true);
    const puts = server.requests.filter((r) => r.method === 'PUT');
    expect(puts.length).toBeGreaterThanOrEqual(firstA.size);
    expect(puts.every((r) => r.status === 200 && r.token === 'ci' && r.bytes > 0)).toBe(true);
    expect(server.entries.size).toBe(puts.length);
  });

  it('agent B, at another path with its own empty local cache, gets 100% remote hits, runs no compiler and writes the same bytes', async () => {
    const before = server.requests.length;
    const env = isolatedNxEnv({ ...withWrappers('b.log'), ...remote('ci-write-token') });
    const run = await nx(agentB, build, env);
    if (run.exitCode !== 0) throw new Error(`nx build failed in agent B:\n${run.all}`);
    const all = taskSections(run.all);
    const total = /for (\d+) out of (\d+) tasks/.exec(String(run.all));
    expect(total?.[1]).toBe(total?.[2]);
    expect([...all].filter(([t, s]) => !noop.has(t) && s.status !== 'remote')).toEqual([]);
    expect([...all.keys()].filter((t) => !noop.has(t)).sort()).toEqual([...firstA.keys()].sort());
    // Only identity and header-key queries reached the wrapped tools: no compile, no link.
    const b = calls(join(logs, 'b.log'));
    expect(b.length).toBeGreaterThan(0);
    expect(b.filter((c) => !identityQuery.test(c))).toEqual([]);
    const requests = server.requests.slice(before);
    expect(requests.filter((r) => r.method === 'GET' && r.status === 200).length).toBeGreaterThanOrEqual(firstA.size);
    expect(requests.filter((r) => r.method === 'PUT')).toEqual([]);
    expect(digests(join(agentB, 'dist'))).toEqual(digests(join(agentA, 'dist')));
  });

  it('a read-only token (a PR build) cannot write: the server refuses every PUT with 403 and the build still succeeds', async () => {
    const before = server.requests.length;
    const stored = server.entries.size;
    // A flag change makes the rust-bc tasks new misses that Nx tries to upload.
    const env = isolatedNxEnv({ ...withWrappers('pr.log'), ...remote('pr-read-only-token'), RUSTFLAGS: '-Cdebuginfo=0' });
    const result = await buildIn(agentB, env);
    expect(ranTasks(result)).toEqual(expect.arrayContaining(['kuid:rust-bc', 'uring-nop:rust-bc']));
    const puts = server.requests.slice(before).filter((r) => r.method === 'PUT');
    expect(puts.length).toBeGreaterThanOrEqual(ranTasks(result).length);
    expect(puts.every((r) => r.status === 403 && r.token === 'pr')).toBe(true);
    expect(server.entries.size).toBe(stored);
  });

  it('an unknown token is refused with 401 and Nx fails the run', async () => {
    const before = server.requests.length;
    const run = await nx(agentB, build, isolatedNxEnv({ ...withWrappers('bad.log'), ...remote('not-a-token') }));
    expect(run.exitCode).not.toBe(0);
    expect(server.requests.slice(before).some((r) => r.status === 401 && r.token === 'invalid')).toBe(true);
  });

  describe('incremental rebuilds in agent A (local cache)', () => {
    it('editing one C helper file reruns exactly that driver’s clang-bc and build', async () => {
      appendFileSync(join(agentA, 'drivers/kuid/helpers/kuid_helpers.c'), '\nint kuid_cache_probe_c(void) { return 1; }\n');
      expect(ranTasks(await buildIn(agentA, envA))).toEqual(['kuid:build', 'kuid:clang-bc']);
    });

    it('editing the Rust crate reruns its rust-bc and build only', async () => {
      appendFileSync(join(agentA, 'drivers/kuid/src/lib.rs'), '\n#[no_mangle]\npub extern "C" fn kuid_cache_probe_rs() -> u32 {\n    7\n}\n');
      expect(ranTasks(await buildIn(agentA, envA))).toEqual(['kuid:build', 'kuid:rust-bc']);
    });

    it('editing the Rust support crate reruns it and the rust-bc and build of the driver that uses it', async () => {
      appendFileSync(join(agentA, 'libs/kernel/src/lib.rs'), '\n/// A probe no driver calls (exported, so the crate\'s bitcode changes too).\n#[no_mangle]\npub extern "C" fn kernel_cache_probe() -> u32 {\n    11\n}\n');
      expect(ranTasks(await buildIn(agentA, envA))).toEqual(['kernel:build', 'kuid:build', 'kuid:rust-bc']);
    });

    it('editing the shared library header reruns the library’s and the using driver’s C tasks and build only', async () => {
      const header = join(agentA, 'libs/kernel-helpers/include/kernel_helpers.h');
      const text = readFileSync(header, 'utf8');
      const guardEnd = text.lastIndexOf('#endif');
      writeFileSync(header, `${text.slice(0, guardEnd)}static __attribute__((used)) int kernel_helpers_cache_probe(void) { return 3; }\n\n${text.slice(guardEnd)}`);
      expect(libraryTasks.length).toBeGreaterThan(0);
      expect(ranTasks(await buildIn(agentA, envA))).toEqual([...libraryTasks, 'kuid:build', 'kuid:clang-bc'].sort());
    });

    it('editing an unrelated README reruns nothing', async () => {
      appendFileSync(join(agentA, 'libs/kernel-helpers/README.md'), '\nA note that no build step reads.\n');
      const result = await buildIn(agentA, envA);
      expect(ranTasks(result)).toEqual([]);
      expect(result.size).toBe(firstA.size);
    });
  });

  describe('toolchain identity and honoured env vars (agent A)', () => {
    const clangTasks = () => [...firstA.keys()].filter((t) => /:clang-bc/.test(t) || libraryTasks.includes(t)).sort();

    /** A clang that compiles with the real clang-22 but reports `version` from --version. */
    function clangWrapper(file: string, version: string): void {
      writeFileSync(
        file,
        `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Debian clang version ${version} (test wrapper)"; echo "InstalledDir: /usr/lib/llvm-22/bin"; exit 0; fi\nexec clang-22 "$@"\n`,
      );
      chmodSync(file, 0o755);
    }

    it('pointing LOCAL_LTO_CLANG at another clang is a miss for the C tasks only; a different version at the same path is a miss again', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'local-lto-clang-wrapper-'));
      mkdirSync(dir, { recursive: true });
      const clang = join(dir, 'clang');
      const env = { ...envA, LOCAL_LTO_CLANG: clang };
      clangWrapper(clang, '22.1.8');
      expect(ranTasks(await buildIn(agentA, env))).toEqual(clangTasks());
      expect(ranTasks(await buildIn(agentA, env))).toEqual([]);
      clangWrapper(clang, '22.1.99');
      expect(ranTasks(await buildIn(agentA, env))).toEqual(clangTasks());
    });

    it('changing RUSTFLAGS is a miss for the rust-bc tasks', async () => {
      const result = await buildIn(agentA, { ...envA, RUSTFLAGS: '-Cdebuginfo=0' });
      expect(ranTasks(result)).toEqual(expect.arrayContaining(['kuid:rust-bc', 'uring-nop:rust-bc']));
      expect(ranTasks(result).filter((t) => /clang-bc/.test(t) || libraryTasks.includes(t))).toEqual([]);
    });
  });
});

describe('the test remote cache server follows the OpenAPI spec', () => {
  let server: RemoteCacheServer;
  beforeAll(async () => {
    server = await startRemoteCacheServer([
      { name: 'ci', token: 'w', write: true },
      { name: 'pr', token: 'r', write: false },
    ]);
  });
  afterAll(() => server.close());

  const call = (method: string, hash: string, token?: string, body?: Buffer) =>
    fetch(`${server.url}/v1/cache/${hash}`, { method, body, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/octet-stream' } });

  it('answers 404, 200, 409, 403 and 401 as specified', async () => {
    const tar = Buffer.from('not really a tar');
    expect((await call('GET', '123', 'r')).status).toBe(404);
    expect((await call('PUT', '123', 'r', tar)).status).toBe(403);
    expect((await call('PUT', '123', 'w', tar)).status).toBe(200);
    expect((await call('PUT', '123', 'w', Buffer.from('other'))).status).toBe(409);
    const hit = await call('GET', '123', 'r');
    expect(hit.status).toBe(200);
    expect(hit.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await hit.arrayBuffer())).toEqual(tar);
    expect((await call('GET', '123')).status).toBe(401);
    expect((await call('GET', '123', 'wrong')).status).toBe(401);
    expect(server.requests.map((r) => `${r.method} ${r.token} ${r.status}`)).toEqual(['GET pr 404', 'PUT pr 403', 'PUT ci 200', 'PUT ci 409', 'GET pr 200', 'GET none 401', 'GET invalid 401']);
  });
});
