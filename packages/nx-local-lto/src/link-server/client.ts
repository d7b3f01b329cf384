import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The link server's client (bin/link-client.c), compiled on this machine into the user's
 * cache folder under a name that changes with its source, and the background starts of
 * the client's compile and of the server (bin/link-server.js), off every task's path.
 */
const BIN = join(__dirname, '..', '..', 'bin');
export const LINK_CLIENT_SOURCE = join(BIN, 'link-client.c');
const LINK_SERVER_SCRIPT = join(BIN, 'link-server.js');

/** `link-client-<hash of its source>`: a changed client is a new file, never an old binary. */
export function linkClientName(): string {
  return `link-client-${createHash('sha256').update(readFileSync(LINK_CLIENT_SOURCE)).digest('hex').slice(0, 16)}`;
}

/** The shell's `${XDG_CACHE_HOME:-$HOME/.cache}/nx-local-lto`, which the link command names the client under. */
export const CLIENT_DIR_WORDS = '"${XDG_CACHE_HOME:-$HOME/.cache}/nx-local-lto"';

export function linkClientPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const cache = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  return cache ? join(cache, 'nx-local-lto', linkClientName()) : undefined;
}

/** Whether this process may start the client's compile or a server (LOCAL_LTO_LINK_SERVER=off: never). */
export const linkServerEnabled = (env: NodeJS.ProcessEnv = process.env) => env.LOCAL_LTO_LINK_SERVER !== 'off';

/** Compiles the client to `dest` with `cc` (atomically: a half-written binary is never run). */
export function compileLinkClient(cc: string, dest: string): boolean {
  mkdirSync(join(dest, '..'), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}`;
  const r = spawnSync(cc, ['-O2', '-o', tmp, LINK_CLIENT_SOURCE], { stdio: 'ignore' });
  if (r.status !== 0 || !existsSync(tmp)) {
    rmSync(tmp, { force: true });
    return false;
  }
  renameSync(tmp, dest);
  return true;
}

/** Starts bin/link-server.js with `args`, detached: it outlives this task and holds none of its output. */
function startDetached(args: string[]): void {
  const env = { ...process.env };
  delete env.LOCAL_LTO_LINK_SOCKET;
  spawn(process.execPath, [LINK_SERVER_SCRIPT, ...args], { detached: true, stdio: 'ignore', env }).unref();
}

/**
 * What run-step.js does beside its step, once: start a server on the socket its client named
 * (LOCAL_LTO_LINK_SOCKET, set when the client found none), or compile the client when it
 * is missing (with the link's clang, LOCAL_LTO_CLANG, else cc).
 */
export function prepareLinkServer(env: NodeJS.ProcessEnv = process.env): void {
  if (!linkServerEnabled(env)) return;
  if (env.LOCAL_LTO_LINK_SOCKET) return startDetached([env.LOCAL_LTO_LINK_SOCKET]);
  const client = linkClientPath(env);
  if (client && !existsSync(client)) startDetached(['--client', client]);
}
