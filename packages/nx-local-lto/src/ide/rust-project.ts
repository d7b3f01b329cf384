import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultCrateName } from '../executors/rust-bc/executor';
import { RustBcExecutorOptions } from '../executors/rust-bc/schema';
import rustBcSchema from '../executors/rust-bc/schema.json';
import { validateOptions } from '../options/validate-options';
import { RustcInfo } from '../toolchain/rustc';
import { CargoCrate } from './cargo-crates';
import { IdeProject, targetsRunning } from './projects';

/** The plugin runtime crate's name as self-contained drivers see it (rust-bc's RUSTC-RT). */
const RUNTIME_CRATE = 'local_lto_rt';

/** A crate of rust-analyzer's `rust-project.json` (the fields this plugin writes). */
export interface RustProjectCrate {
  display_name: string;
  /** Crate root, relative to the workspace root (rust-analyzer resolves it from the file's folder). */
  root_module: string;
  edition: string;
  /** Other workspace crates this one uses (`--extern`), by index into `crates`. */
  deps: Array<{ crate: number; name: string }>;
  /** `--cfg` values: the manifest's `cfg` and any `--cfg` in its rustflags. */
  cfg: string[];
  /** rustc `--target`, when the crate sets one. */
  target?: string;
  /** False for crates.io dependencies of Cargo-based drivers. */
  is_workspace_member: boolean;
  /** The project folder: the files that belong to the crate (and the folders of its generated bindings). */
  source: { include_dirs: string[]; exclude_dirs: string[] };
  /** Variables of `env!` at compile time: the bindings' paths (rust-bc option `bindings`), absolute like rust-bc's. */
  env?: Record<string, string>;
}

/** rust-analyzer's `rust-project.json` for crates built without Cargo. */
export interface RustProject {
  /** `rustc --print sysroot`. */
  sysroot: string;
  /** The standard library's source (see findSysrootSource), when there is one. */
  sysroot_src?: string;
  crates: RustProjectCrate[];
}

/** The values of `--cfg X` / `--cfg=X` in rustc flags. */
export function cfgsOfRustFlags(flags: readonly string[]): string[] {
  const cfgs: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    if (flags[i] === '--cfg' && i + 1 < flags.length) cfgs.push(flags[++i]);
    else if (flags[i].startsWith('--cfg=')) cfgs.push(flags[i].slice('--cfg='.length));
  }
  return cfgs;
}

/** Where the rust-src component puts the standard library's source in a sysroot. */
export function sysrootSourceDir(sysroot: string): string {
  return join(sysroot, 'lib', 'rustlib', 'src', 'rust', 'library');
}

const hasCore = (library: string) => existsSync(join(library, 'core', 'src', 'lib.rs'));

/**
 * The standard library's source for rust-analyzer, first found of: the sysroot's rust-src
 * component (`rustup component add rust-src`; exactly rustc's version), `$RUST_SRC_PATH`
 * (the variable rust-analyzer and other tools honour), and Debian's `rust-src` /
 * `rust-web-src` in `/usr/src/rustc-<version>/library` (rustc's release if there, else the
 * newest). Undefined when there is none: rust-analyzer then cannot resolve `core`.
 */
export function findSysrootSource(rustc: Pick<RustcInfo, 'sysroot' | 'release'>, env: NodeJS.ProcessEnv = process.env, usrSrc = '/usr/src'): string | undefined {
  const component = sysrootSourceDir(rustc.sysroot);
  if (hasCore(component)) return component;
  if (env.RUST_SRC_PATH && hasCore(env.RUST_SRC_PATH)) return env.RUST_SRC_PATH;
  const version = (name: string) => /^rustc-(\d+)\.(\d+)\.(\d+)$/.exec(name)?.slice(1).map(Number);
  let debian: Array<{ library: string; v: number[] }> = [];
  try {
    debian = readdirSync(usrSrc)
      .map((name) => ({ library: join(usrSrc, name, 'library'), v: version(name) }))
      .filter((d): d is { library: string; v: number[] } => d.v !== undefined && hasCore(d.library));
  } catch {
    return undefined;
  }
  const exact = debian.find((d) => d.v.join('.') === rustc.release.replace(/-.*$/, ''));
  if (exact) return exact.library;
  debian.sort((a, b) => b.v[0] - a.v[0] || b.v[1] - a.v[1] || b.v[2] - a.v[2]);
  return debian[0]?.library;
}

/**
 * Every crate a `nx-local-lto:rust-bc` target compiles (drivers' rust-bc, rust-crates'
 * build), with the edition, cfgs and target of its options and a dependency on each
 * workspace crate it names in `externs` (the rust-crate libraries of its manifest's
 * `libs`). `rustc` gives the sysroot (`rustc --print sysroot`); `sysrootSrc` the library source.
 */
export function rustProject(projects: readonly IdeProject[], rustc: Pick<RustcInfo, 'sysroot'>, sysrootSrc: string | undefined, workspaceRoot = '.', cargo: readonly CargoCrate[] = []): RustProject {
  const crates: Array<RustProjectCrate & { externs: string[] }> = [];
  for (const project of projects) {
    for (const [name, target] of targetsRunning(project, 'nx-local-lto:rust-bc')) {
      let options: RustBcExecutorOptions;
      try {
        options = validateOptions<RustBcExecutorOptions>(rustBcSchema, target.options ?? {});
      } catch (e) {
        throw new Error(`${project.name}:${name}: ${(e as Error).message}`);
      }
      crates.push({
        display_name: options.crateName ?? defaultCrateName(project.name),
        root_module: options.crateRoot,
        edition: options.edition,
        deps: [],
        cfg: [...options.cfg, ...cfgsOfRustFlags(options.rustflags)],
        ...(options.target ? { target: options.target } : {}),
        is_workspace_member: true,
        source: { include_dirs: [project.root || dirname(options.crateRoot), ...Object.values(options.bindings).map((p) => dirname(p))], exclude_dirs: [] },
        ...(Object.keys(options.bindings).length ? { env: Object.fromEntries(Object.entries(options.bindings).map(([k, p]) => [k, join(workspaceRoot, p)])) } : {}),
        externs: [...Object.keys(options.externs), ...(options.selfContained && options.runtimeCrateRoot ? [RUNTIME_CRATE] : [])],
      });
      // A self-contained driver's `extern crate local_lto_rt` (RUSTC-RT builds it with these features).
      if (options.selfContained && options.runtimeCrateRoot && !crates.some((c) => c.root_module === options.runtimeCrateRoot)) {
        crates.push({
          display_name: RUNTIME_CRATE,
          root_module: options.runtimeCrateRoot,
          edition: '2021',
          deps: [],
          cfg: options.runtimeFeatures.map((f) => `feature="${f}"`),
          is_workspace_member: true,
          source: { include_dirs: [dirname(options.runtimeCrateRoot)], exclude_dirs: [] },
          externs: [],
        });
      }
    }
  }
  const index = new Map(crates.map((c, i) => [c.display_name, i]));
  const fromRustc = crates.map(({ externs, ...crate }) => ({
    ...crate,
    deps: externs.filter((e) => index.has(e)).map((e) => ({ crate: index.get(e)!, name: e })),
  }));
  // Cargo-based drivers: every crate of their resolves, once each (drivers share the root workspace).
  const unique = [...new Map(cargo.map((c) => [c.id, c])).values()];
  const byId = new Map(unique.map((c, i) => [c.id, fromRustc.length + i]));
  const fromCargo: RustProjectCrate[] = unique.map((c) => ({
    display_name: c.displayName,
    root_module: c.rootModule,
    edition: c.edition,
    deps: c.deps.filter((d) => byId.has(d.id)).map((d) => ({ crate: byId.get(d.id)!, name: d.name.replace(/-/g, '_') })),
    cfg: c.cfg,
    is_workspace_member: c.isWorkspaceMember,
    source: { include_dirs: [c.sourceDir], exclude_dirs: [] },
  }));
  return {
    sysroot: rustc.sysroot,
    ...(sysrootSrc ? { sysroot_src: sysrootSrc } : {}),
    crates: [...fromRustc, ...fromCargo],
  };
}
