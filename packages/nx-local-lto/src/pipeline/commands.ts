/**
 * The command line of every step of the pipeline, top to bottom, as the kernel's
 * rust/Makefile keeps one `cmd_<step>` per step. Pure functions of their inputs: the
 * executors run these argument arrays (never a shell) and the IDE files reuse them.
 * All paths are as given (workspace-relative); tools run with the workspace as cwd.
 */
import { Profile, PROFILE_FLAGS } from '../toolchain/profiles';

export interface RustBitcodeStep {
  crateRoot: string;
  crateName: string;
  edition: string;
  optLevel: string;
  target?: string;
  profile: Profile;
  cfg: string[];
  /** crate name -> `.rmeta` path. */
  externs: Record<string, string>;
  /** User flags, already cleared of settings the pipeline owns (see sanitizeRustFlags). */
  rustflags: string[];
  /** Absolute workspace root, mapped to `.` in debug info and panics (reproducible output). */
  workspaceRoot: string;
  bitcodeOut: string;
  depInfoOut: string;
  /** Also write the crate's `.rmeta` here, for crates that others use through `--extern`. */
  metadataOut?: string;
  /** Native fallback: write a native object (`--emit=obj`) here instead of bitcode. */
  nativeObjectOut?: string;
  /**
   * Self-contained (rust-runtime): build a `staticlib` with fat LTO, written to `libOut`
   * (scratch), so the emitted bitcode is the LTO module with the core/alloc code the crate
   * uses, internal. `link` must be among the emits: without it rustc writes the crate's own
   * module (core undefined). Dependencies must be rlibs that carry bitcode.
   */
  selfContained?: { libOut: string };
}

/**
 * RUSTC-BC: one crate to one bitcode file. One codegen unit and no incremental state, or
 * rustc writes several `.bc` files and ignores the path (case 07, ARCHITECTURE F6);
 * `panic=abort` so extern "C" code needs no `rust_eh_personality` (F7).
 */
export function rustBitcodeArgs(s: RustBitcodeStep): string[] {
  const code = s.nativeObjectOut ? `obj=${s.nativeObjectOut}` : `llvm-bc=${s.bitcodeOut}`;
  const emit = [`dep-info=${s.depInfoOut}`, code, ...(s.metadataOut ? [`metadata=${s.metadataOut}`] : []), ...(s.selfContained ? ['link'] : [])];
  const dependencyDirs = [...new Set(Object.values(s.externs).map((p) => p.replace(/\/[^/]*$/, '') || '.'))];
  return [
    `--edition=${s.edition}`,
    ...(s.selfContained ? ['--crate-type=staticlib', '-Clto=fat', '-o', s.selfContained.libOut] : ['--crate-type=lib']),
    `--crate-name=${s.crateName}`,
    ...(s.target ? [`--target=${s.target}`] : []),
    `-Copt-level=${s.optLevel}`,
    '-Ccodegen-units=1',
    '-Cpanic=abort',
    ...PROFILE_FLAGS[s.profile].rustc,
    ...s.cfg.flatMap((c) => ['--cfg', c]),
    ...Object.entries(s.externs).flatMap(([name, path]) => ['--extern', `${name}=${path}`]),
    ...dependencyDirs.flatMap((d) => ['-L', `dependency=${d}`]),
    ...s.rustflags,
    `--remap-path-prefix=${s.workspaceRoot}=.`,
    `--emit=${emit.join(',')}`,
    s.crateRoot,
  ];
}

export interface RustRuntimeStep {
  /** The runtime crate's root (`runtime/rust/src/lib.rs` of the plugin, as the workspace sees it). */
  crateRoot: string;
  features: string[];
  optLevel: string;
  target?: string;
  profile: Profile;
  workspaceRoot: string;
  rlibOut: string;
}

/**
 * RUSTC-RT: the plugin's runtime crate `local_lto_rt` as an rlib (with its bitcode, rustc's
 * default for rlibs) for a self-contained rustc-route driver's `--extern local_lto_rt=`.
 */
export function rustRuntimeArgs(s: RustRuntimeStep): string[] {
  return [
    '--edition=2021',
    '--crate-type=rlib',
    '--crate-name=local_lto_rt',
    ...(s.target ? [`--target=${s.target}`] : []),
    `-Copt-level=${s.optLevel}`,
    '-Ccodegen-units=1',
    '-Cpanic=abort',
    '-Cembed-bitcode=yes',
    ...PROFILE_FLAGS[s.profile].rustc,
    ...s.features.flatMap((f) => ['--cfg', `feature="${f}"`]),
    `--remap-path-prefix=${s.workspaceRoot}=.`,
    '-o', s.rlibOut,
    s.crateRoot,
  ];
}

/** Flags in user-supplied rustc flags that the pipeline owns, and why. */
const OWNED_RUST_FLAGS: Array<[RegExp, string]> = [
  [/^codegen-units(=|$)/, 'local LTO needs exactly one codegen unit (one bitcode file)'],
  [/^incremental(=|$)/, 'incremental compilation splits the crate into several codegen units'],
  [/^panic(=|$)/, 'drivers are built with panic=abort'],
];

/**
 * Removes settings the pipeline owns from user rustc flags (`-Ccodegen-units=16`,
 * `-C incremental=dir`, `-Cpanic=unwind`, `--emit ...`), returning what was removed and why.
 */
export function sanitizeRustFlags(flags: readonly string[]): { flags: string[]; ignored: Array<{ flag: string; why: string }> } {
  const kept: string[] = [];
  const ignored: Array<{ flag: string; why: string }> = [];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i];
    let codegen: string | undefined;
    let shown = flag;
    if (flag === '-C' || flag === '--codegen') {
      codegen = flags[i + 1] ?? '';
      shown = `${flag} ${codegen}`;
    } else if (flag.startsWith('-C')) codegen = flag.slice(2);
    else if (flag.startsWith('--codegen=')) codegen = flag.slice('--codegen='.length);
    const owned = codegen !== undefined ? OWNED_RUST_FLAGS.find(([re]) => re.test(codegen!)) : undefined;
    if (owned) {
      ignored.push({ flag: shown, why: owned[1] });
      if (shown !== flag) i++;
    } else if (flag === '--emit' || flag.startsWith('--emit=') || flag === '-o' || flag === '--out-dir' || flag.startsWith('--out-dir=')) {
      const takesValue = flag === '--emit' || flag === '-o' || flag === '--out-dir';
      ignored.push({ flag: takesValue ? `${flag} ${flags[i + 1] ?? ''}` : flag, why: 'the executor decides what rustc writes and where' });
      if (takesValue) i++;
    } else {
      kept.push(flag);
    }
  }
  return { flags: kept, ignored };
}

export interface CBitcodeStep {
  source: string;
  /** LLVM target triple of the Rust code (case 04). */
  target: string;
  ltoMode: 'thin' | 'full';
  optLevel: string;
  profile: Profile;
  includeDirs: string[];
  defines: string[];
  cflags: string[];
  workspaceRoot: string;
  bitcodeOut: string;
  depFileOut: string;
  /** Name of the output as written in the dependency file (the final path, not a temporary). */
  depTarget: string;
}

/**
 * CLANG-BC: one C file to bitcode with the Rust code's triple and the LTO mode of the Rust
 * bitcode (`-flto=thin` writes the ThinLTO summary rustc's bitcode has; F1, case 01).
 * User cflags come last so they take effect; a triple or LTO mode they change is caught
 * by the checks before linking, never silently mixed.
 */
export function clangBitcodeArgs(s: CBitcodeStep): string[] {
  return [`--target=${s.target}`, `-flto=${s.ltoMode}`, ...cCompileArgs(s, s.bitcodeOut)];
}

/** What both C compiles pass: optimization, profile, includes, defines, prefix map, user flags last, dependency file, source, output. */
function cCompileArgs(s: Omit<CBitcodeStep, 'target' | 'ltoMode' | 'bitcodeOut'>, out: string): string[] {
  return [
    `-O${s.optLevel}`,
    ...PROFILE_FLAGS[s.profile].c,
    ...s.includeDirs.map((d) => `-I${d}`),
    ...s.defines.map((d) => `-D${d}`),
    `-ffile-prefix-map=${s.workspaceRoot}=.`,
    ...s.cflags,
    '-MD', '-MF', s.depFileOut, '-MT', s.depTarget,
    '-c', s.source,
    '-o', out,
  ];
}

/**
 * CC-NATIVE (fallback without clang): the same C file to a native object with the system
 * C compiler (GCC on Debian), the same profile flags, no LTO. Helpers stay calls.
 */
export function nativeCArgs(s: Omit<CBitcodeStep, 'target' | 'ltoMode' | 'bitcodeOut'> & { objectOut: string }): string[] {
  return cCompileArgs(s, s.objectOut);
}

/**
 * LOCALIZE: every defined global symbol not in the keep list (the driver's exports)
 * becomes LOCAL, with `llvm-objcopy`/GNU `objcopy` `--keep-global-symbols=<file>`;
 * undefined symbols stay global.
 */
export function localizeArgs(object: string, keepListFile: string): string[] {
  return [`--keep-global-symbols=${keepListFile}`, object];
}

/** LD-R (native fallback): GNU `ld -r` on native objects, no LTO. */
export function nativeRelocatableArgs(inputs: readonly string[], out: string): string[] {
  return ['-r', ...inputs, '-o', out];
}

/**
 * LLVM-LINK: merge the Rust bitcode (first: its symbols keep their linkage) with the helper
 * bitcode, which `--internalize` makes internal (F4, the kernel's CONFIG_RUST_INLINE_HELPERS).
 * One merged module also puts caller and helpers in one LTO partition.
 */
export function llvmLinkArgs(rustBitcode: string, helperBitcode: readonly string[], out: string): string[] {
  return [rustBitcode, ...(helperBitcode.length ? ['--internalize', ...helperBitcode] : []), '-o', out];
}

/** LD-R: LTO-optimize and write one ELF relocatable object, with the inline pass's remarks. */
export function lldRelocatableArgs(inputs: readonly string[], out: string, ltoOptLevel: string, remarksFile: string): string[] {
  return ['-r', `--lto-O${ltoOptLevel}`, '--opt-remarks-filename', remarksFile, '--opt-remarks-passes', 'inline', ...inputs, '-o', out];
}
