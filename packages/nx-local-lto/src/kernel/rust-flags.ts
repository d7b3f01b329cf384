import { configEnabled } from './tree';

/** rustc flags a kernel tree implies, with what each protects, and the environment rustc needs. */
export interface KernelRustFlags {
  flags: string[];
  /** `RUSTC_BOOTSTRAP=1` when a `-Z` flag is used on a stable rustc (the kernel's own build does the same). */
  env: Record<string, string>;
}

/** One piece of the tree's hardening and the rustc flags that give Rust code the same. */
export interface Hardening {
  config: string;
  /** What LLVM marks on a function built with it: an enum attribute or a target feature. */
  marks: Array<{ attribute: string } | { feature: string }>;
  rustc: string[];
  /** ABI-relevant flags the stock `core` was built without (rustc refuses the mix unless allowed). */
  abiMismatch: string[];
}

/**
 * x86_64 hardening and its rustc spelling, as the kernel's arch/x86/Makefile derives
 * KBUILD_RUSTFLAGS from .config (Linux 6.x): the clang flags kbuild gives C for the same
 * options put these marks on each function (ARCHITECTURE F12).
 */
export const X86_HARDENING: readonly Hardening[] = [
  { config: 'CONFIG_RETHUNK', marks: [{ attribute: 'fn_ret_thunk_extern' }], rustc: ['-Zfunction-return=thunk-extern'], abiMismatch: [] },
  {
    config: 'CONFIG_RETPOLINE',
    marks: [{ feature: 'retpoline-external-thunk' }, { feature: 'retpoline-indirect-calls' }, { feature: 'retpoline-indirect-branches' }],
    rustc: ['-Zretpoline-external-thunk', '-Zindirect-branch-cs-prefix'],
    abiMismatch: ['retpoline', 'retpoline-external-thunk', 'indirect-branch-cs-prefix'],
  },
  { config: 'CONFIG_SLS', marks: [{ feature: 'harden-sls-ret' }, { feature: 'harden-sls-ijmp' }], rustc: ['-Ctarget-feature=+harden-sls-ret,+harden-sls-ijmp'], abiMismatch: [] },
];

/** Target features that are hardening, not instruction-set features (a mismatch is lost hardening). */
export const HARDENING_FEATURES: ReadonlySet<string> = new Set(X86_HARDENING.flatMap((h) => h.marks.flatMap((m) => ('feature' in m ? [m.feature] : []))));

/**
 * The rustc flags of x86_64 kernel code for a tree's .config: the code model, no red zone,
 * no SIMD or x87 state (the kernel does not save it), no unwind tables, and the hardening the
 * tree has. On the stock x86_64-unknown-linux-gnu target (no kernel target's `core` can be
 * installed here, ARCHITECTURE F8) rustc warns that `-sse2`/`+soft-float` are being phased
 * out there; the code is still kernel code.
 */
export function kernelRustFlags(config: ReadonlyMap<string, string>): KernelRustFlags {
  const hardening = X86_HARDENING.filter((h) => configEnabled(config, h.config));
  const flags = [
    '-Ccode-model=kernel',
    '-Crelocation-model=static',
    '-Cno-redzone=yes',
    '-Ctarget-feature=-sse,-sse2,-sse3,-ssse3,-sse4.1,-sse4.2,-avx,-avx2,+soft-float',
    '-Cforce-unwind-tables=n',
    // rustc's default (-Zplt=no) calls libcalls such as memcpy through the GOT
    // (R_X86_64_REX_GOTPCRELX): the module loader refuses that (measured, rustc 1.95).
    '-Zplt=yes',
    ...(configEnabled(config, 'CONFIG_FRAME_POINTER') ? ['-Cforce-frame-pointers=yes'] : []),
    ...hardening.flatMap((h) => h.rustc),
  ];
  const abi = hardening.flatMap((h) => h.abiMismatch);
  if (abi.length) flags.push(`-Cunsafe-allow-abi-mismatch=${abi.join(',')}`);
  const unstable = flags.some((f) => f.startsWith('-Z'));
  return { flags, env: unstable ? { RUSTC_BOOTSTRAP: '1' } : {} };
}
