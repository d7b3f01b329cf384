import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
let clientName: string | undefined;
export function linkClientName(): string {
  // Once per process: inference names it in every driver's link command.
  return (clientName ??= `link-client-${createHash('sha256').update(readFileSync(LINK_CLIENT_SOURCE)).digest('hex').slice(0, 16)}`);
}

/** The shell's `${XDG_CACHE_HOME:-$HOME/.cache}/nx-local-lto`, which the link command names the client under. */
export const CLIENT_DIR_WORDS = '"${XDG_CACHE_HOME:-$HOME/.cache}/nx-local-lto"';

export function linkClientPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const cache = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  return cache ? join(cache, 'nx-local-lto', linkClientName()) : undefined;
}

/** Whether this process may start the client's compile or a server (LOCAL_LTO_LINK_SERVER=off: never). */
export const linkServerEnabled = (env: NodeJS.ProcessEnv = process.env) => env.LOCAL_LTO_LINK_SERVER !== 'off';

/**
 * Compiles the client to `dest` with `cc` (atomically: a half-written binary is never run).
 * A failure is remembered beside it (`.failed`): links then run in their own process, and no
 * later link tries again.
 */
export function compileLinkClient(cc: string, dest: string): boolean {
  mkdirSync(join(dest, '..'), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}`;
  const r = spawnSync(cc, ['-O2', '-o', tmp, LINK_CLIENT_SOURCE], { stdio: 'ignore' });
  const ok = r.status === 0 && existsSync(tmp);
  if (ok) renameSync(tmp, dest);
  else {
    rmSync(tmp, { force: true });
    writeFileSync(`${dest}.failed`, `${cc} -O2 -o ${tmp} ${LINK_CLIENT_SOURCE}: ${r.error?.message ?? `exit ${r.status}`}\n`);
  }
  rmSync(`${dest}.lock`, { force: true });
  return ok;
}

/**
 * Whether this process is the one to start `what` (a server, a compile): the first to create
 * `lock`. Many links of a cold build get here at once; one starts it, the others run their
 * step. A lock older than `staleMs` (its starter died) is taken over.
 */
export function firstToStart(lock: string, staleMs: number): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(join(lock, '..'), { recursive: true });
      closeSync(openSync(lock, 'wx'));
      return true;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs < staleMs) return false;
        rmSync(lock, { force: true });
      } catch {
        return false;
      }
    }
  }
  return false;
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
  const socket = env.LOCAL_LTO_LINK_SOCKET;
  if (socket) {
    if (firstToStart(`${socket}.starting`, 10_000)) startDetached([socket]);
    return;
  }
  const client = linkClientPath(env);
  if (client && !existsSync(client) && !existsSync(`${client}.failed`) && firstToStart(`${client}.lock`, 60_000)) startDetached(['--client', client]);
}
