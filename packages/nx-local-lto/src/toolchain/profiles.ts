/**
 * Code generation profiles, applied alike to rustc and clang so caller and helper agree
 * on code model, relocation model and target features (a mismatch blocks inlining).
 * - `user`: position-independent host code.
 * - `kernel`: x86_64 kernel code, from the flags of the kernel's Makefile,
 *   arch/x86/Makefile and rust/Makefile that affect code generation (ARCHITECTURE.md F8).
 *   On the stock x86_64-unknown-linux-gnu target rustc warns that `+soft-float` and
 *   `-sse2` are being phased out there (the kernel uses its own target spec, which needs
 *   a nightly rustc); the code it generates is still kernel code: no SSE/x87 registers,
 *   no red zone, the kernel code model, no GOT.
 *   `-fno-delete-null-pointer-checks` gives helpers `null_pointer_is_valid`, which blocks
 *   inlining into Rust unless the helper is always-inline: the kernel's answer, and ours,
 *   is the `__rust_helper` marker the driver generator emits.
 */
export type Profile = 'user' | 'kernel';

export const PROFILES: readonly Profile[] = ['user', 'kernel'];

export interface ProfileFlags {
  rustc: string[];
  /** C compiler flags; clang and GCC (the native fallback) both accept every one. */
  c: string[];
}

export const PROFILE_FLAGS: Record<Profile, ProfileFlags> = {
  user: {
    rustc: ['-Crelocation-model=pic'],
    c: ['-fPIC'],
  },
  kernel: {
    rustc: [
      '-Ccode-model=kernel',
      '-Crelocation-model=static',
      '-Cno-redzone=yes',
      '-Ctarget-feature=-sse,-sse2,-avx,-avx2,+soft-float',
    ],
    c: [
      '-mcmodel=kernel',
      '-mno-red-zone',
      '-mno-sse',
      '-mno-sse2',
      '-mno-mmx',
      '-mno-avx',
      '-mno-80387',
      '-mno-fp-ret-in-387',
      '-mskip-rax-setup',
      '-fno-PIE',
      '-fno-pic',
      '-fno-plt',
      '-fno-strict-aliasing',
      '-fno-common',
      '-fno-delete-null-pointer-checks',
    ],
  },
};
