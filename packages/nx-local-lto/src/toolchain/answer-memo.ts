import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { SpawnOptions, spawnTool, SpawnResult, spawnToolSync } from '../process/spawn';

/**
 * A tool's answer to a question that only the tool's own file decides (`--version`, `-vV`,
 * `--print sysroot`, a CPU-feature query), remembered across processes in the user's cache
 * folder ($XDG_CACHE_HOME or ~/.cache, `nx-local-lto/answers`), keyed by the file's identity
 * (real path, device, inode, size, mtime, ctime), the arguments and the input. Each link on the
 * command route is its own process: asking again costs a process start per question (about
 * 0.3 s of a link's 1 s under load, measured). A rustup proxy is never remembered: the same
 * file answers for whichever toolchain rustup picks.
 */
function memoFile(file: string, args: readonly string[], input: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = file.includes('/') ? file : onPath(file, env.PATH ?? '');
  if (!path) return undefined;
  let real: string;
  let identity: string;
  try {
    real = realpathSync(path);
    const s = statSync(real);
    if (isRustupProxy(path, s)) return undefined;
    identity = [real, s.dev, s.ino, s.size, s.mtimeMs, s.ctimeMs].join(':');
  } catch {
    return undefined;
  }
  const key = createHash('sha256').update(JSON.stringify([identity, args, input ?? null])).digest('hex').slice(0, 32);
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nx-local-lto', 'answers', `${key}.json`);
}

/** The file PATH gives for a name, as the shell finds it. */
function onPath(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** rustup installs its proxies (rustc, cargo, ...) as links to itself beside `rustup`. */
function isRustupProxy(path: string, s: { dev: number; ino: number }): boolean {
  const rustup = join(dirname(path), 'rustup');
  if (!existsSync(rustup)) return false;
  const r = statSync(rustup);
  return r.dev === s.dev && r.ino === s.ino;
}

function read(memo: string | undefined): SpawnResult | undefined {
  if (!memo || !existsSync(memo)) return undefined;
  try {
    return JSON.parse(readFileSync(memo, 'utf8')) as SpawnResult;
  } catch {
    return undefined; // a torn or foreign file: ask the tool
  }
}

function write(memo: string | undefined, result: SpawnResult): void {
  if (!memo || result.failed) return;
  try {
    mkdirSync(dirname(memo), { recursive: true });
    const tmp = `${memo}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(result));
    renameSync(tmp, memo);
  } catch {
    // a read-only cache folder only costs the next process a question
  }
}

/** spawnTool for a question the tool's file alone answers; remembered while the file is the same. */
export async function askTool(file: string, args: readonly string[], options: SpawnOptions = {}): Promise<SpawnResult> {
  const memo = memoFile(file, args, options.input, options.env);
  const known = read(memo);
  if (known) return known;
  const result = await spawnTool(file, args, options);
  write(memo, result);
  return result;
}

/** askTool, waiting for the tool. */
export function askToolSync(file: string, args: readonly string[], options: SpawnOptions = {}): SpawnResult {
  const memo = memoFile(file, args, options.input, options.env);
  const known = read(memo);
  if (known) return known;
  const result = spawnToolSync(file, args, options);
  write(memo, result);
  return result;
}
