import { basename, dirname } from 'node:path';
import { Profile } from '../toolchain/profiles';

/** File name the plugin infers projects from. */
export const MANIFEST_FILE = 'local-lto.json';

/**
 * A project's `local-lto.json`, with defaults applied (the one place they live). Paths are
 * relative to the project folder. `kind` decides the inferred targets:
 * - `driver`: a Rust crate plus C helpers, built to one relocatable object;
 * - `c-library`: shared C helpers and headers used by drivers (`libs` of a driver);
 * - `rust-crate`: a Rust support crate (`--extern`) whose inline methods call helpers.
 */
export interface Manifest {
  kind: 'driver' | 'c-library' | 'rust-crate';
  /** Nx project name. Default: the folder's name. */
  name: string;
  /** Project folder, relative to the workspace root. */
  root: string;
  /** Rust crate root (driver, rust-crate). Default `src/lib.rs`. */
  crateRoot: string;
  /** Rust crate name. Default: the project name with '-' replaced by '_'. */
  crateName: string;
  edition: '2015' | '2018' | '2021' | '2024';
  profile: Profile;
  /**
   * Profiles a c-library is built for, one bitcode set each (drivers link the set of their
   * own profile). Default: `[profile]`.
   */
  profiles: Profile[];
  /** C files compiled to helper bitcode. Default none. */
  sources: string[];
  /** Include folders for this project's C files and for every project that uses it. */
  includeDirs: string[];
  /** Names of the c-library and rust-crate projects this one uses. */
  libs: string[];
  defines: string[];
  cflags: string[];
  rustflags: string[];
  cfg: string[];
  /** Globs of helpers that must be inlined (lld-relocatable requireInlined). */
  requireInlined: string[];
  /** Driver symbols that stay GLOBAL (lld-relocatable exports). Default: the crate's #[no_mangle] items. */
  exports?: string[];
  /** Host test program (driver): C files linked with the object and run by the `test` target. */
  test?: { sources: string[]; linkLibs: string[]; args: string[] };

  // --- rust-runtime (issue 15): self-contained drivers ---
  /**
   * (driver without Cargo.toml) Build the crate as a staticlib with fat LTO, so the object
   * carries the core/alloc code it uses; with the plugin runtime crate as `local_lto_rt`.
   * Default false. A Cargo-based driver is always self-contained.
   */
  selfContained: boolean;
  /** Set by withCargo (src/plugin/cargo.ts) when a Cargo.toml sits next to the manifest; not a key. */
  cargo?: CargoFacts;
  /** The plugin runtime compiled into a self-contained driver; set by withCargo; not a key. */
  runtime?: RuntimeFacts;
}

/** A driver whose Rust side is a Cargo package. */
export interface CargoFacts {
  /** The package's Cargo.toml, relative to the project folder. */
  manifest: string;
  /** The Cargo.lock cargo builds with (`--locked`), workspace-relative. */
  lock: string;
}

/** The plugin runtime as the workspace sees it (workspace-relative paths). */
export interface RuntimeFacts {
  /** The runtime crate local-lto-rt (folder): a path dependency of Cargo-based drivers. */
  crate: string;
  /** Its runtime C for the driver's profile (what local-lto-rt calls), when the profile has one. */
  c?: { root: string; sources: string[] };
}

/** Reads the raw JSON of a manifest at `file` (workspace-relative) into a normalized Manifest. */
export function normalizeManifest(file: string, raw: Partial<Manifest> & { kind?: string }): Manifest {
  const root = dirname(file);
  const name = raw.name ?? basename(root);
  const kind = raw.kind;
  if (kind !== 'driver' && kind !== 'c-library' && kind !== 'rust-crate') {
    throw new Error(`${file}: "kind" must be "driver", "c-library" or "rust-crate", got ${JSON.stringify(kind)}`);
  }
  return {
    kind,
    name,
    root,
    crateRoot: raw.crateRoot ?? 'src/lib.rs',
    crateName: raw.crateName ?? name.replace(/-/g, '_'),
    edition: raw.edition ?? '2021',
    profile: raw.profile ?? 'user',
    profiles: libraryProfiles(raw),
    sources: raw.sources ?? [],
    includeDirs: raw.includeDirs ?? [],
    libs: raw.libs ?? [],
    defines: raw.defines ?? [],
    cflags: raw.cflags ?? [],
    rustflags: raw.rustflags ?? [],
    cfg: raw.cfg ?? [],
    requireInlined: raw.requireInlined ?? ['rust_helper_*'],
    ...(raw.exports ? { exports: raw.exports } : {}),
    selfContained: raw.selfContained ?? false,
    ...(raw.test ? { test: { sources: raw.test.sources ?? [], linkLibs: raw.test.linkLibs ?? [], args: raw.test.args ?? [] } } : {}),
  };
}

/** The profiles a library manifest is built for: `profiles`, else `[profile]`, else `['user']`. */
export function libraryProfiles(raw: Partial<Pick<Manifest, 'profile' | 'profiles'>>): Profile[] {
  return raw.profiles ?? [raw.profile ?? 'user'];
}

/**
 * The libraries `manifest` uses, directly or through other libraries, each once, in
 * dependency order. Unknown names are reported through `missing`.
 */
export function libraryClosure(manifest: Manifest, byName: ReadonlyMap<string, Manifest>, missing: (name: string) => void): Manifest[] {
  const seen = new Set<string>();
  const order: Manifest[] = [];
  const visit = (m: Manifest) => {
    for (const lib of m.libs) {
      if (seen.has(lib)) continue;
      seen.add(lib);
      const found = byName.get(lib);
      if (!found) {
        missing(lib);
        continue;
      }
      visit(found);
      order.push(found);
    }
  };
  visit(manifest);
  return order;
}
