import { randomBytes } from 'node:crypto';

/** What the doctor found out about the self-hosted remote cache Nx would use. */
export interface RemoteCacheCheck {
  /** False when Nx would fail the run or could not use the cache as configured. */
  ok: boolean;
  /** False when NX_SELF_HOSTED_REMOTE_CACHE_SERVER is not set. */
  configured: boolean;
  /** `none` when unusable; `read` / `read-write` from the probes; `read, write not probed`. */
  access: 'none' | 'read' | 'read-write' | 'read, write not probed';
  /** One line: the server, what was found and what Nx does about it. */
  text: string;
}

export interface RemoteCacheCheckOptions {
  /** Bound on each request, in milliseconds. */
  timeoutMs: number;
  /**
   * PUT a small probe entry under a random hash to learn whether the token may write.
   * The self-hosted cache spec has only `GET` and `PUT /v1/cache/{hash}`, and a PUT that
   * succeeds stores its body: the probe leaves one entry of a few bytes on the server,
   * under a hash no task can have. Off by default.
   */
  writeProbe: boolean;
}

/** A hash no task has: Nx's hashes are decimal u64 strings, this one is 24 random hex digits. */
function probeHash(): string {
  return `nxlocallto${randomBytes(12).toString('hex')}`;
}

type Answer = { status: number; bytes: number } | { error: string; timedOut: boolean };

async function request(url: string, method: 'GET' | 'PUT', token: string | undefined, timeoutMs: number, body?: Buffer): Promise<Answer> {
  try {
    const res = await fetch(url, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const bytes = (await res.arrayBuffer()).byteLength;
    return { status: res.status, bytes };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError';
    return { error: timedOut ? `no answer within ${timeoutMs} ms` : (err.cause?.code ?? err.cause?.message ?? err.message), timedOut };
  }
}

/**
 * Checks the cache Nx's built-in client would use (NX_SELF_HOSTED_REMOTE_CACHE_SERVER, with
 * NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN as a bearer token) the way Nx 22 talks to it:
 * `GET /v1/cache/<random hash>` must answer 404 (reachable, token accepted for reading);
 * with `writeProbe`, a `PUT` of a probe entry answers 200 (read-write) or 403 (read-only).
 * What Nx 22.7.12 does on each fault (checked by e2e/robustness.spec.ts) is in the line.
 */
export async function checkRemoteCache(env: NodeJS.ProcessEnv, options: RemoteCacheCheckOptions): Promise<RemoteCacheCheck> {
  const server = env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER;
  if (!server) {
    return { ok: true, configured: false, access: 'none', text: 'remote cache: none (NX_SELF_HOSTED_REMOTE_CACHE_SERVER is not set); builds use the local cache only' };
  }
  const fail = (what: string): RemoteCacheCheck => ({ ok: false, configured: true, access: 'none', text: `remote cache ${server}: ${what}` });
  let base: string;
  try {
    base = new URL(server).href.replace(/\/+$/, '');
  } catch {
    return fail('not a URL; set NX_SELF_HOSTED_REMOTE_CACHE_SERVER to e.g. https://nx-cache.example.com');
  }
  const token = env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN || undefined;
  const url = `${base}/v1/cache/${probeHash()}`;
  const get = await request(url, 'GET', token, options.timeoutMs);
  if ('error' in get) {
    return get.timedOut
      ? fail(`SLOW, ${get.error} to GET ${url}; Nx 22 sets no timeout: every task waits for its GET and its PUT as long as the server takes`)
      : fail(`UNREACHABLE (${get.error}); Nx fails the whole run ("Failed to send request"): start the server or unset NX_SELF_HOSTED_REMOTE_CACHE_SERVER`);
  }
  if (get.status === 401) {
    return fail(`token REFUSED (GET answered 401${token ? '' : '; NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN is not set'}); Nx fails the whole run ("Unauthorized"): fix NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN`);
  }
  if (get.status === 200) {
    return fail(`answered GET of a hash no task has with 200 and ${get.bytes} bytes: not a Nx cache, or it serves GARBAGE; Nx fails the whole run ("Failed to read entry from tarball")`);
  }
  if (get.status !== 404) {
    return fail(`answered GET of a hash no task has with ${get.status}, expected 404 (Nx's self-hosted cache spec)`);
  }
  if (!options.writeProbe) {
    return { ok: true, configured: true, access: 'read, write not probed', text: `remote cache ${base}: reachable, token accepted, read (write not probed: option remoteCacheWriteProbe PUTs one small entry under a random hash)` };
  }
  const probe = Buffer.from('nx-local-lto doctor write probe; no task has this hash\n');
  const put = await request(url, 'PUT', token, options.timeoutMs, probe);
  if ('error' in put) return fail(`reachable for reading, but the probe PUT failed: ${put.error}`);
  if (put.status === 200 || put.status === 409) {
    return { ok: true, configured: true, access: 'read-write', text: `remote cache ${base}: reachable, token accepted, read-write (probe PUT answered ${put.status}; it left ${probe.length} bytes under a random hash)` };
  }
  if (put.status === 403) {
    return { ok: true, configured: true, access: 'read', text: `remote cache ${base}: reachable, token accepted, read-only (probe PUT answered 403); Nx uses its entries and uploads nothing` };
  }
  if (put.status === 401) return fail(`token accepted for reading but REFUSED for writing (probe PUT answered 401)`);
  return fail(`reachable, token accepted, but the probe PUT answered ${put.status}, expected 200 or 403`);
}
