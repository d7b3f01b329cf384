import { dirname, join, normalize } from 'node:path';
import { parse } from 'smol-toml';
import { LocalLtoError } from '../errors';

/**
 * The crates a Cargo package reaches through `path` dependencies, read from the Cargo.toml
 * files themselves (smol-toml): `cargo metadata --no-deps` gives the same answer but costs
 * 20 ms a process here, and a graph of 500 Cargo-based drivers must stay under 2 s. The spec
 * compares both on the sample workspace.
 */

/** One `path` dependency: the Cargo.toml that declares it and the crate folder it names (both workspace-relative). */
export interface CargoPathDep {
  declaredIn: string;
  dir: string;
}

/** Reads a workspace-relative file; undefined when it is not there. */
export type ReadFile = (path: string) => string | undefined;

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Kinds of dependencies that go into the library cargo-bc builds: normal and build-script ones (dev-dependencies do not). */
const KINDS = ['dependencies', 'build-dependencies'];

/** The dependency tables of a manifest: top level and under every `[target.<cfg>]`. */
function dependencyTables(toml: Table): Table[] {
  const scopes = [toml, ...Object.values(isTable(toml.target) ? toml.target : {}).filter(isTable)];
  return scopes.flatMap((s) => KINDS.map((k) => s[k]).filter(isTable));
}

/** Parses a Cargo.toml; a syntax error becomes one line naming the file. */
function parseManifest(file: string, text: string): Table {
  try {
    return parse(text) as Table;
  } catch (e) {
    throw new LocalLtoError(`${file}: ${(e as Error).message.split('\n')[0]}; fix the TOML (cargo reports the same file)`);
  }
}

/**
 * The closure of `path` dependencies of the package at `manifestPath`, in the order found:
 * its own, then those of each crate reached. A `{ workspace = true }` dependency takes its
 * `path` from `[workspace.dependencies]` of the Cargo workspace root, the first Cargo.toml
 * with `[workspace]` in the folders above (up to the Nx workspace root).
 */
export function cargoPathDeps(manifestPath: string, read: ReadFile): CargoPathDep[] {
  const parsed = new Map<string, Table | undefined>();
  const manifest = (file: string): Table | undefined => {
    if (!parsed.has(file)) {
      const text = read(file);
      parsed.set(file, text === undefined ? undefined : parseManifest(file, text));
    }
    return parsed.get(file);
  };
  const workspaceRoot = (crateDir: string): string | undefined => {
    for (let dir = crateDir; ; dir = dirname(dir)) {
      const file = join(dir, 'Cargo.toml');
      if (isTable(manifest(file)?.workspace)) return file;
      if (dir === '.' || dir === dirname(dir)) return undefined;
    }
  };
  const found: CargoPathDep[] = [];
  const start = normalize(manifestPath);
  const seen = new Set<string>([dirname(start)]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    const toml = manifest(file);
    if (!toml) continue;
    for (const deps of dependencyTables(toml)) {
      for (const [name, spec] of Object.entries(deps)) {
        if (!isTable(spec)) continue;
        let path: string | undefined;
        if (typeof spec.path === 'string') path = join(dirname(file), spec.path);
        else if (spec.workspace === true) {
          // Inherited by key: `[workspace.dependencies] <name> = { path = ... }`, relative to the root manifest.
          const root = workspaceRoot(dirname(file));
          const shared = root ? manifest(root)?.workspace : undefined;
          const entry = isTable(shared) && isTable(shared.dependencies) ? shared.dependencies[name] : undefined;
          if (isTable(entry) && typeof entry.path === 'string') path = join(dirname(root!), entry.path);
        }
        if (path === undefined) continue;
        found.push({ declaredIn: file, dir: path });
        if (!seen.has(path)) {
          seen.add(path);
          queue.push(join(path, 'Cargo.toml'));
        }
      }
    }
  }
  return found;
}
