/**
 * Drivers written by the plugin's own driver generator, run in-process (as `nx g
 * nx-local-lto:driver` runs it, without an Nx start-up per driver). Each driver is
 * generated against an empty workspace and its files written into the pool: the
 * generator's checks scan every existing project, which would make N drivers cost N^2;
 * the names are unique by construction. Workspaces of N drivers copy the first N.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FsTree, flushChanges } from 'nx/src/generators/tree';
import { driverGenerator } from '../../packages/nx-local-lto/src/generators/driver/generator';
import { createWorkspace } from '../lib/workspace';

/** Helpers each generated driver gets (three: multiply-add, rotate-xor, xorshift-multiply). */
export const GENERATED_HELPERS = ['alpha', 'beta', 'gamma'];

/** Project name of generated driver `i`. */
export const driverName = (i: number) => `drv${String(i).padStart(3, '0')}`;

/** Generates drivers drv000 .. drv<n-1> into `<pool>/drivers/`. */
export async function generateDriverPool(pool: string, n: number): Promise<void> {
  const empty = join(pool, '.empty-workspace');
  createWorkspace(empty);
  // Without node_modules: Nx's file walk behind the generator's project scan would cross it.
  rmSync(join(empty, 'node_modules'), { recursive: true });
  process.env.NX_DAEMON = 'false';
  mkdirSync(pool, { recursive: true });
  for (let i = 0; i < n; i++) {
    const tree = new FsTree(empty, false);
    await driverGenerator(tree, { name: driverName(i), helpers: GENERATED_HELPERS, skipFormat: true });
    flushChanges(pool, tree.listChanges().filter((c) => c.path.startsWith('drivers/')));
  }
}

/** Copies the first `n` pool drivers into the workspace at `dir`. */
export function addDrivers(pool: string, dir: string, n: number): string[] {
  const names = Array.from({ length: n }, (_, i) => driverName(i));
  for (const name of names) cpSync(join(pool, 'drivers', name), join(dir, 'drivers', name), { recursive: true });
  return names;
}

/** Hash of the driver generator's sources and templates: the pool is regenerated when they change. */
function generatorHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(path).update(readFileSync(path));
    }
  };
  walk(join(__dirname, '..', '..', 'packages', 'nx-local-lto', 'src', 'generators'));
  return hash.digest('hex');
}

/** A pool of at least `n` generated drivers at `pool`, reused while the generator is unchanged. */
export async function ensureDriverPool(pool: string, n: number, log: (line: string) => void): Promise<void> {
  const stampFile = join(pool, '.stamp.json');
  const hash = generatorHash();
  if (existsSync(stampFile)) {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as { hash: string; n: number };
    if (stamp.hash === hash && stamp.n >= n) return;
  }
  log(`generating ${n} drivers with the driver generator (reused by later runs while the generator is unchanged)`);
  rmSync(pool, { recursive: true, force: true });
  await generateDriverPool(pool, n);
  writeFileSync(stampFile, JSON.stringify({ hash, n }) + '\n');
}
