import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Profile } from '../toolchain/profiles';
import { Manifest } from './manifest';

/** The file that makes a driver's Rust side a Cargo package. */
export const CARGO_MANIFEST = 'Cargo.toml';

/** The plugin's runtime: `rust/` (crate local-lto-rt) and `c/<profile>/` (what it calls). */
export const RUNTIME_DIR = join(__dirname, '..', '..', 'runtime');

/** Globs of the runtime C functions local-lto-rt calls: required inlined like helpers. */
export const RUNTIME_REQUIRE_INLINED = 'local_lto_rt_*';

/**
 * The runtime C files for `profile`, workspace-relative, with the folder they mirror below
 * the output folder; undefined when the plugin has none for the profile.
 */
export function runtimeSources(workspaceRoot: string, profile: Profile): { root: string; sources: string[] } | undefined {
  const dir = join(RUNTIME_DIR, 'c', profile);
  if (!existsSync(dir)) return undefined;
  const root = relative(workspaceRoot, dir);
  const sources = readdirSync(dir).filter((f) => f.endsWith('.c')).sort().map((f) => join(root, f));
  return { root, sources };
}

/**
 * `m` with its Cargo facts when it is a driver with a Cargo.toml beside its manifest;
 * `exists` answers for a workspace-relative path (the file system, or a generator's tree).
 */
export function withCargo(m: Manifest, workspaceRoot: string, exists: (path: string) => boolean): Manifest {
  if (m.kind !== 'driver' || !exists(join(m.root, CARGO_MANIFEST))) return m;
  const runtime = runtimeSources(workspaceRoot, m.profile);
  return { ...m, cargo: { manifest: CARGO_MANIFEST, runtimeCrate: relative(workspaceRoot, join(RUNTIME_DIR, 'rust')), ...(runtime ? { runtime } : {}) } };
}
