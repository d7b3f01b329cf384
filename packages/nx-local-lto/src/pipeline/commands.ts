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
  /** Kernel profile: the flags the kernel tree implies (src/kernel/rust-flags.ts), in place of a fixed list. */
  kernelRustflags?: readonly string[];
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
    ...profileRustFlags(s),
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
  /** Kernel profile: the tree's rustc flags, as for the driver's crate. */
  kernelRustflags?: readonly string[];
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
    ...profileRustFlags(s),
    ...s.features.flatMap((f) => ['--cfg', `feature="${f}"`]),
    `--remap-path-prefix=${s.workspaceRoot}=.`,
    '-o', s.rlibOut,
    s.crateRoot,
  ];
}

function profileRustFlags(s: Pick<RustBitcodeStep, 'profile' | 'kernelRustflags'>): readonly string[] {
  if (s.profile !== 'kernel') return PROFILE_FLAGS[s.profile].rustc;
  if (!s.kernelRustflags) throw new Error('a kernel-profile rustc step needs the kernel tree\'s flags');
  return s.kernelRustflags;
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
  /** Kernel profile: kbuild's C flags for the tree (src/kernel/kbuild-flags.ts) and the module the file belongs to. */
  kernel?: { cflags: readonly string[]; moduleName: string };
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

/**
 * PREPROCESS (cache key): the C file as the compiler sees it, every header expanded, without
 * line markers or paths (`-E -P`): the same text on every machine with the same files. Its
 * hash covers the headers a helper reads outside the workspace (system or kernel headers).
 */
export function preprocessArgs(s: CBitcodeStep): string[] {
  return [`--target=${s.target}`, ...cFlags(s), '-E', '-P', s.source];
}

/**
 * DEPS (cache key): the files the C file reads, as make rules (`-M`: no output but the list),
 * in include order, the same order as the dependency file of the compile (`-MD`).
 */
export function dependencyListArgs(s: CBitcodeStep): string[] {
  return [`--target=${s.target}`, ...cFlags(s), '-M', '-MT', 'deps', s.source];
}

/** The flags of a C compile: profile, optimization, includes, defines, prefix map, user flags last. */
function cFlags(s: Omit<CBitcodeStep, 'target' | 'ltoMode' | 'bitcodeOut'>): string[] {
  // The profile's flags after -O: in the kernel profile kbuild's own -O level (the tree's) wins.
  return [
    `-O${s.optLevel}`,
    ...profileCFlags(s),
    ...s.includeDirs.map((d) => `-I${d}`),
    ...s.defines.map((d) => `-D${d}`),
    `-ffile-prefix-map=${s.workspaceRoot}=.`,
    ...s.cflags,
  ];
}

/** What both C compiles pass: the flags, dependency file, source, output. */
function cCompileArgs(s: Omit<CBitcodeStep, 'target' | 'ltoMode' | 'bitcodeOut'>, out: string): string[] {
  return [...cFlags(s), '-MD', '-MF', s.depFileOut, '-MT', s.depTarget, '-c', s.source, '-o', out];
}

/**
 * The profile's C flags. Kernel: kbuild's own flags for the tree, and the per-file names
 * kbuild gives each C file of a module (KBUILD_MODNAME is the module's, so pr_fmt and
 * module parameters name it).
 */
function profileCFlags(s: Pick<CBitcodeStep, 'profile' | 'kernel' | 'source'>): readonly string[] {
  if (s.profile !== 'kernel') return PROFILE_FLAGS[s.profile].c;
  if (!s.kernel) throw new Error('a kernel-profile C step needs kbuild\'s flags for the tree');
  const base = s.source.replace(/^.*\//, '').replace(/\.c$/, '').replace(/[^\w]/g, '_');
  return [
    ...s.kernel.cflags,
    `-DKBUILD_MODNAME="${s.kernel.moduleName}"`,
    `-DKBUILD_BASENAME="${base}"`,
    `-D__KBUILD_MODNAME=kmod_${s.kernel.moduleName}`,
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
 * One merged module also puts caller and helpers in one LTO partition. `keepModule` (see
 * keepModuleText) keeps what the driver's native objects use from being internalized.
 */
export function llvmLinkArgs(rustBitcode: string, helperBitcode: readonly string[], out: string, keepModule?: string): string[] {
  return [rustBitcode, ...(helperBitcode.length ? ['--internalize', ...(keepModule ? [keepModule] : []), ...helperBitcode] : []), '-o', out];
}

/** LD-R: LTO-optimize and write one ELF relocatable object, with the inline pass's remarks. */
export function lldRelocatableArgs(inputs: readonly string[], out: string, ltoOptLevel: string, remarksFile: string): string[] {
  return ['-r', `--lto-O${ltoOptLevel}`, '--opt-remarks-filename', remarksFile, '--opt-remarks-passes', 'inline', ...inputs, '-o', out];
}

/**
 * CLANG-OBJ (`calls` build): one bitcode file to a native object on its own, so no helper can
 * be inlined across files; the relocation model is the profile's (clang's default for a `.bc`
 * input is PIE, whose GOT relocations a kernel module cannot have).
 */
export function bitcodeToObjectArgs(bitcode: string, target: string, profile: Profile, out: string): string[] {
  // clang compiling bitcode ignores the module's "Code Model" flag (ld.lld's LTO honours it):
  // without -mcmodel=kernel, core's rodata addresses get R_X86_64_32, which overflow in a module.
  return [`--target=${target}`, '-O2', ...(profile === 'kernel' ? ['-fno-pic', '-mcmodel=kernel'] : ['-fPIC']), '-c', bitcode, '-o', out];
}

/** LD-R (`calls` build): native objects to one relocatable object, no LTO. */
export function lldRelocatableNoLtoArgs(inputs: readonly string[], out: string): string[] {
  return ['-r', ...inputs, '-o', out];
}
