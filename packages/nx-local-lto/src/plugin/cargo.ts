import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Profile } from '../toolchain/profiles';
import { cargoPathDeps, ReadFile } from './cargo-path-deps';
import { Manifest } from './manifest';
import { PACKAGE_DIR, packageDirIn } from './package-dir';

/** The file that makes a driver's Rust side a Cargo package. */
export const CARGO_MANIFEST = 'Cargo.toml';

/** The plugin's runtime: `rust/` (crate local-lto-rt) and `c/<profile>/` (what it calls). */
export const RUNTIME_DIR = join(PACKAGE_DIR, 'runtime');

/** Globs of the runtime C functions local-lto-rt calls: required inlined like helpers. */
export const RUNTIME_REQUIRE_INLINED = 'local_lto_rt_*';

/** The runtime folder as the workspace sees it (packageDirIn), workspace-relative. */
export function runtimeDirIn(workspaceRoot: string): string {
  // Asked once per driver per graph: the answer only changes with the plugin, which restarts Nx's daemon.
  let dir = runtimeDirs.get(workspaceRoot);
  if (dir === undefined) runtimeDirs.set(workspaceRoot, (dir = join(packageDirIn(workspaceRoot), 'runtime')));
  return dir;
}
const runtimeDirs = new Map<string, string>();

/**
 * The runtime C files for `profile`, workspace-relative, with the folder they mirror below
 * the output folder; undefined when the plugin has none for the profile.
 */
export function runtimeSources(workspaceRoot: string, profile: Profile): { root: string; sources: string[] } | undefined {
  const key = `${workspaceRoot}\0${profile}`;
  if (!runtimeC.has(key)) runtimeC.set(key, findRuntimeSources(workspaceRoot, profile));
  return runtimeC.get(key);
}
const runtimeC = new Map<string, ReturnType<typeof findRuntimeSources>>();

function findRuntimeSources(workspaceRoot: string, profile: Profile): { root: string; sources: string[] } | undefined {
  const dir = join(RUNTIME_DIR, 'c', profile);
  if (!existsSync(dir)) return undefined;
  const root = join(runtimeDirIn(workspaceRoot), 'c', profile);
  const sources = readdirSync(dir).filter((f) => f.endsWith('.c')).sort().map((f) => join(root, f));
  return { root, sources };
}

/**
 * `m` with its Cargo facts when it is a driver with a Cargo.toml beside its manifest (its
 * Cargo.lock beside it, or the root one of a Cargo workspace at the Nx workspace root, and
 * the crates its path dependencies reach), and with the plugin runtime when it is
 * self-contained (Cargo-based, or `selfContained`); `exists` and `read` answer for a
 * workspace-relative path (the file system, or a generator's tree). Throws a LocalLtoError
 * naming a Cargo.toml that does not parse.
 */
export function withCargo(m: Manifest, workspaceRoot: string, exists: (path: string) => boolean, read: ReadFile): Manifest {
  if (m.kind !== 'driver') return m;
  const cargo = exists(join(m.root, CARGO_MANIFEST));
  if (!cargo && !m.selfContained) return m;
  const c = runtimeSources(workspaceRoot, m.profile);
  const runtime = { crate: join(runtimeDirIn(workspaceRoot), 'rust'), ...(c ? { c } : {}) };
  if (!cargo) return { ...m, runtime };
  // A Cargo workspace at the Nx workspace root holds the lock of its members.
  const lock = exists(join(m.root, 'Cargo.lock')) || !exists(CARGO_MANIFEST) ? join(m.root, 'Cargo.lock') : 'Cargo.lock';
  const pathDeps = cargoPathDeps(join(m.root, CARGO_MANIFEST), read);
  return { ...m, selfContained: true, cargo: { manifest: CARGO_MANIFEST, lock, pathDeps }, runtime };
}
