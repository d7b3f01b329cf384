import { hashArray, logger } from '@nx/devkit';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, sep } from 'node:path';

/**
 * Inference results kept in the workspace data folder, as Nx's own plugins keep theirs: one
 * file named by the hash of everything inference read (the caller's parts) and of the
 * plugin's own code, so a project graph run over unchanged manifests skips parsing and
 * inference. Only the newest entry is kept. The memo is an optimisation: a folder that
 * cannot be read or written means recomputing, never an error.
 */
export interface Memo<T> {
  value: T;
  /** What inference logged with logger.warn, replayed on a hit so a hit says the same. */
  warnings: unknown[][];
}

/**
 * Nx's workspace data folder: $NX_WORKSPACE_DATA_DIRECTORY (or its older name), relative to
 * the workspace root, else .nx/workspace-data. @nx/devkit 22.7 does not export Nx's own
 * `workspaceDataDirectory`, and it follows Nx's workspace root rather than the context's.
 */
export function workspaceDataFolder(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.NX_WORKSPACE_DATA_DIRECTORY || env.NX_PROJECT_GRAPH_CACHE_DIRECTORY || join('.nx', 'workspace-data');
  return isAbsolute(dir) ? dir : join(workspaceRoot, dir);
}

const memoFolder = (workspaceRoot: string) => join(workspaceDataFolder(workspaceRoot), 'nx-local-lto-inference');

let codeHash: string | undefined;

/**
 * The plugin's code as loaded: the text and path of every module of this package that
 * `entry` imports, directly or not (Node's module.children: the same list in every process,
 * whatever else it loaded), and the package.json, so an upgraded, edited or moved plugin
 * never reuses an older result.
 */
function pluginCodeHash(entry: NodeModule): string {
  if (codeHash) return codeHash;
  const packageRoot = join(__dirname, '..', '..');
  const files = new Set<string>();
  const visit = (m: NodeModule) => {
    const own = m.filename.startsWith(packageRoot + sep) && !m.filename.startsWith(join(packageRoot, 'node_modules') + sep);
    if (!own || files.has(m.filename)) return;
    files.add(m.filename);
    (m.children ?? []).forEach(visit);
  };
  visit(entry);
  codeHash = hashArray([join(packageRoot, 'package.json'), ...[...files].sort()].flatMap((f) => [f, readFileSync(f, 'utf8')]));
  return codeHash;
}

/** The memo key of `parts` (file names and texts, options) for the plugin code `entry` loads. */
export function memoKey(entry: NodeModule, parts: string[]): string {
  return hashArray([pluginCodeHash(entry), ...parts]);
}

export function readMemo<T>(workspaceRoot: string, key: string): Memo<T> | undefined {
  try {
    return JSON.parse(readFileSync(join(memoFolder(workspaceRoot), `${key}.json`), 'utf8')) as Memo<T>;
  } catch {
    return undefined;
  }
}

/** Writes the entry whole (temp file, then rename) and drops older ones. */
export function writeMemo<T>(workspaceRoot: string, key: string, memo: Memo<T>): void {
  const dir = memoFolder(workspaceRoot);
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `.${key}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(memo));
    renameSync(tmp, join(dir, `${key}.json`));
    for (const old of readdirSync(dir)) if (old.endsWith('.json') && old !== `${key}.json`) rmSync(join(dir, old), { force: true });
  } catch {
    // No memo this time: the next run infers again.
  }
}

/**
 * Runs `fn` (synchronous) and returns its value with what it logged through logger.warn,
 * still printing it: inference warns from several modules, and a memo hit must warn alike.
 */
export function withWarnings<T>(fn: () => T): Memo<T> {
  const warnings: unknown[][] = [];
  const warn = logger.warn;
  logger.warn = (...args: unknown[]) => {
    warnings.push(args);
    warn.apply(logger, args);
  };
  try {
    return { value: fn(), warnings };
  } finally {
    logger.warn = warn;
  }
}

/** Prints a memo's warnings again, as the run that computed it did. */
export function replayWarnings(memo: Memo<unknown>): void {
  for (const args of memo.warnings) logger.warn(...args);
}
