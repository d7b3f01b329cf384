import Ajv, { ErrorObject } from 'ajv';
import { basename, dirname } from 'node:path';
import clangBcSchema from '../executors/clang-bc/schema.json';
import hostTestSchema from '../executors/host-test/schema.json';
import lldRelocatableSchema from '../executors/lld-relocatable/schema.json';
import rustBcSchema from '../executors/rust-bc/schema.json';
import { Profile } from '../toolchain/profiles';
import { CargoPathDep } from './cargo-path-deps';
import manifestSchema from './manifest.schema.json';

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
  /** rust-bc and clang-bc optLevel; unset: the executors' default. */
  optLevel?: string;
  /** lld-relocatable ltoOptLevel, inlinePolicy, runtimeSymbols; unset: the executor's default. */
  ltoOptLevel?: string;
  inlinePolicy?: 'error' | 'warn';
  runtimeSymbols?: 'error' | 'warn';
  /** Native objects linked into a driver's object (lld-relocatable objects). */
  objects: string[];
  /** Driver symbols that stay GLOBAL (lld-relocatable exports). Default: the crate's #[no_mangle] items. */
  exports?: string[];
  /** Host test program (driver): C files linked with the object and run by the `test` target. */
  test?: { sources: string[]; linkLibs: string[]; args: string[] };
  /** Kernel profile: the kernel tree (absolute or workspace-relative). Default: $LOCAL_LTO_KERNEL_DIR, else Debian's headers. */
  kernelDir?: string;
  /** Kernel profile: what a failed kernel check does (`error` default, `warn` keeps the object: negative tests). */
  kernelPolicy: 'error' | 'warn';
  /**
   * Kernel profile: the loadable module built from the object (`module` target, kbuild) and
   * its C glue (module_init/exit); `vmTest` boots the tree's kernel in QEMU, loads it and
   * checks what its init prints.
   */
  module?: { name: string; glue: string[]; vmTest?: { expect: string[] } };
  /** C headers bound by bindgen (driver, c-library): see ManifestBindings. */
  bindings?: ManifestBindings;

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
  /** Crates reached through `path` dependencies (src/plugin/cargo-path-deps.ts): graph edges and cache inputs. */
  pathDeps: CargoPathDep[];
}

/** The plugin runtime as the workspace sees it (workspace-relative paths). */
export interface RuntimeFacts {
  /** The runtime crate local-lto-rt (folder): a path dependency of Cargo-based drivers. */
  crate: string;
  /** Its runtime C for the driver's profile (what local-lto-rt calls), when the profile has one. */
  c?: { root: string; sources: string[] };
}

// ---- header bindings (issue 17): manifest key `bindings` -------------------------------
/**
 * `bindings` of a manifest: the C headers whose declarations bindgen writes as Rust and whose
 * `static inline` functions it wraps in C (`<fn>__extern`), compiled and inlined like helpers.
 */
export interface ManifestBindings {
  /** Headers as an `#include <...>` names them (`liburing.h`, `bpf/btf.h`), found through includeDirs and the system. */
  headers: string[];
  /** bindgen allow-lists (regular expressions): functions, types, variables. None: everything the headers declare. */
  functions: string[];
  types: string[];
  vars: string[];
  /** Include folders for bindgen and the wrappers, relative to the project folder. */
  includeDirs: string[];
  /** Preprocessor definitions NAME or NAME=VALUE for bindgen and the wrappers. */
  defines: string[];
}

/** `bindings` with defaults applied; a clear error for a manifest without headers. */
function normalizeBindings(file: string, raw: Partial<ManifestBindings>): ManifestBindings {
  const headers = (raw.headers ?? []).map((h) => h.replace(/^<(.*)>$/, '$1'));
  if (!headers.length) throw new Error(`${file}: "bindings.headers" must name at least one header, e.g. ["liburing.h"]`);
  return { headers, functions: raw.functions ?? [], types: raw.types ?? [], vars: raw.vars ?? [], includeDirs: raw.includeDirs ?? [], defines: raw.defines ?? [] };
}

/** Wrapper functions bindgen writes (`--wrap-static-fns`, default suffix): required inlined. */
export const BINDGEN_WRAPPER_GLOB = '*__extern';
// ---- end of header bindings ----------------------------------------------------------


// verbose: errors carry the offending value, for the message.
const ajv = new Ajv({ strict: false, allErrors: false, verbose: true });
const validate = ajv.compile(manifestSchema);

/** Executor options, by target, that a manifest does not take: the message says where they go. */
const TARGET_OPTIONS: Array<[string, { properties: Record<string, unknown> }]> = [
  ['clang-bc', clangBcSchema],
  ['rust-bc', rustBcSchema],
  ['build', lldRelocatableSchema],
  ['test', hostTestSchema],
];

/** One line for the first schema error: the file, the key and what is accepted. */
function describe(file: string, error: ErrorObject): string {
  const at = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const show = (v: unknown) => JSON.stringify(v);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = `${at ? `${at}.` : ''}${String(error.params.additionalProperty)}`;
      const parent = at ? (manifestSchema.properties as Record<string, { properties?: object }>)[at]?.properties : manifestSchema.properties;
      const accepted = Object.keys(parent ?? {}).filter((k) => k !== '$schema').join(', ');
      const target = at ? undefined : TARGET_OPTIONS.find(([, schema]) => key in schema.properties)?.[0];
      const where = target ? ` '${key}' is an option of the ${target} target: set it in project.json under targets.${target}.options.` : '';
      return `${file}: unknown key '${key}'.${where} Accepted keys: ${accepted}`;
    }
    case 'required':
      return `${file}: key '${error.params.missingProperty}' is required (one of "driver", "c-library", "rust-crate" for 'kind')`;
    case 'enum':
      return `${file}: key '${at}' is ${show(error.data)}; accepted values: ${(error.params.allowedValues as unknown[]).map(show).join(', ')}`;
    case 'type':
      return `${file}: key '${at}' must be ${error.params.type === 'array' ? 'an array' : `of type ${error.params.type}`}, got ${show(error.data)}`;
    default:
      return `${file}: key '${at}' ${error.message}`;
  }
}

/** Checks raw manifest JSON against manifest.schema.json; throws one line naming the file, the key and what is accepted. */
export function validateManifest(file: string, raw: unknown): asserts raw is RawManifest {
  if (!validate(raw)) throw new Error(describe(file, validate.errors![0]));
}

/** A manifest as written: only `kind` is required. */
export type RawManifest = Partial<Omit<Manifest, 'test' | 'module' | 'bindings'>> & {
  bindings?: Partial<ManifestBindings>;
  kind: Manifest['kind'];
  test?: Partial<NonNullable<Manifest['test']>>;
  module?: Partial<Omit<NonNullable<Manifest['module']>, 'vmTest'>> & { vmTest?: { expect?: string[] } };
};

/** Reads the raw JSON of a manifest at `file` (workspace-relative) into a normalized Manifest; throws a one-line error for an invalid one. */
export function normalizeManifest(file: string, raw: unknown): Manifest {
  validateManifest(file, raw);
  const root = dirname(file);
  const name = raw.name ?? basename(root);
  const kind = raw.kind;
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
    requireInlined: [...(raw.requireInlined ?? ['rust_helper_*']), ...(raw.bindings && !raw.requireInlined?.includes(BINDGEN_WRAPPER_GLOB) ? [BINDGEN_WRAPPER_GLOB] : [])],
    ...(raw.optLevel ? { optLevel: raw.optLevel } : {}),
    ...(raw.ltoOptLevel ? { ltoOptLevel: raw.ltoOptLevel } : {}),
    ...(raw.inlinePolicy ? { inlinePolicy: raw.inlinePolicy } : {}),
    ...(raw.runtimeSymbols ? { runtimeSymbols: raw.runtimeSymbols } : {}),
    objects: raw.objects ?? [],
    ...(raw.exports ? { exports: raw.exports } : {}),
    ...(raw.kernelDir ? { kernelDir: raw.kernelDir } : {}),
    kernelPolicy: raw.kernelPolicy ?? 'error',
    ...(raw.module ? { module: { name: raw.module.name ?? name.replace(/-/g, '_'), glue: raw.module.glue ?? [], ...(raw.module.vmTest ? { vmTest: { expect: raw.module.vmTest.expect ?? [] } } : {}) } } : {}),
    ...(raw.bindings ? { bindings: normalizeBindings(file, raw.bindings) } : {}),
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
