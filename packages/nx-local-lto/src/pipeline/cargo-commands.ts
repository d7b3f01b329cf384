/**
 * CARGO-BC: the command line of a Cargo-based driver's Rust side, the sibling of
 * rustBitcodeArgs for crates with a `Cargo.toml` (dependencies from crates.io). Pure
 * functions of their inputs, like commands.ts.
 *
 * One LLVM bitcode module for the crate and all its dependencies, `core`/`alloc` pieces
 * included and internal (ARCHITECTURE F21): the crate as a `staticlib` in a cargo profile
 * with `lto = "fat"`, `--emit=llvm-bc`. The profile is set with `--config` so the user's
 * Cargo.toml needs neither the profile nor the crate type; `-Clto=fat` in RUSTFLAGS would
 * fail (cargo then builds dependencies without embedded bitcode).
 */
import { Profile, PROFILE_FLAGS } from '../toolchain/profiles';

/** The cargo profile the plugin defines on the command line. */
export const CARGO_PROFILE = 'local-lto';

export interface CargoBitcodeStep {
  /** The driver's Cargo.toml, workspace-relative. */
  manifestPath: string;
  /** Cargo's target folder (scratch; only the bitcode is an output). */
  targetDir: string;
  /** rustc --target; always given, so RUSTFLAGS never reach build scripts or proc-macros. */
  target: string;
  optLevel: string;
  profile: Profile;
  /** User flags for the driver crate only, already cleared of flags the pipeline owns. */
  rustflags: string[];
  workspaceRoot: string;
  /** CARGO_HOME (absolute): registry sources live below it; remapped for reproducible output. */
  cargoHome: string;
  bitcodeOut: string;
  /** Native fallback: write the fat-LTO module as a native object (`--emit=obj`) here instead. */
  nativeObjectOut?: string;
  /** The rustc cargo runs (build.rustc). */
  rustc: string;
  /** Kernel profile: the flags the kernel tree implies (src/kernel/rust-flags.ts), in place of a fixed list. */
  kernelRustflags?: readonly string[];
}

/** `--config` values defining the `local-lto` profile: fat LTO, one codegen unit, panic=abort. */
function profileConfig(optLevel: string): string[] {
  const opt = /^\d$/.test(optLevel) ? optLevel : `"${optLevel}"`;
  return [
    `profile.${CARGO_PROFILE}.inherits="release"`,
    `profile.${CARGO_PROFILE}.lto="fat"`,
    `profile.${CARGO_PROFILE}.panic="abort"`,
    `profile.${CARGO_PROFILE}.codegen-units=1`,
    `profile.${CARGO_PROFILE}.incremental=false`,
    `profile.${CARGO_PROFILE}.debug=false`,
    `profile.${CARGO_PROFILE}.opt-level=${opt}`,
  ];
}

/**
 * Flags for every crate of the build (cargo's `build.rustflags`): the profile's code
 * generation flags and the path remapping that makes two checkouts (and two CARGO_HOMEs)
 * give byte-identical objects. The later, more specific prefix wins in rustc.
 */
export function cargoBuildRustflags(s: Pick<CargoBitcodeStep, 'profile' | 'workspaceRoot' | 'cargoHome' | 'kernelRustflags'>): string[] {
  if (s.profile === 'kernel' && !s.kernelRustflags) throw new Error('a kernel-profile cargo step needs the kernel tree\'s flags');
  return [
    ...(s.profile === 'kernel' ? s.kernelRustflags! : PROFILE_FLAGS[s.profile].rustc),
    `--remap-path-prefix=${s.workspaceRoot}=.`,
    `--remap-path-prefix=${s.cargoHome}=/cargo-home`,
  ];
}

/**
 * Variables that would override `build.rustflags` (cargo takes them first): the executor
 * unsets them and passes the user's RUSTFLAGS, sanitized, to the driver crate instead.
 */
export const CARGO_OVERRIDING_ENV = ['RUSTFLAGS', 'CARGO_ENCODED_RUSTFLAGS', 'CARGO_BUILD_RUSTFLAGS'];

/** CARGO-BC: `cargo rustc` arguments, with the lock file (`--locked`) and the rustc in use. */
export function cargoBitcodeArgs(s: CargoBitcodeStep): string[] {
  const toml = (v: string) => JSON.stringify(v);
  return [
    'rustc',
    '--manifest-path', s.manifestPath,
    '--locked',
    '--lib',
    '--crate-type', 'staticlib',
    '--profile', CARGO_PROFILE,
    '--target', s.target,
    '--target-dir', s.targetDir,
    '--config', `build.rustc=${toml(s.rustc)}`,
    '--config', `build.rustflags=[${cargoBuildRustflags(s).map(toml).join(',')}]`,
    ...profileConfig(s.optLevel).flatMap((c) => ['--config', c]),
    '--',
    ...s.rustflags,
    // `link` runs the fat LTO: without it rustc emits the crate's own module, core not in it.
    s.nativeObjectOut ? `--emit=obj=${s.nativeObjectOut},link` : `--emit=llvm-bc=${s.bitcodeOut},link`,
  ];
}

/** CARGO-METADATA (IDE files): the package's resolve with the lock file, without network. */
export function cargoMetadataArgs(manifestPath: string): string[] {
  return ['metadata', '--format-version', '1', '--locked', '--offline', '--manifest-path', manifestPath];
}
