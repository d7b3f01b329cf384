/**
 * Code generation profiles, applied alike to rustc and clang so caller and helper agree
 * on code model, relocation model and target features (a mismatch blocks inlining).
 * - `user`: position-independent host code.
 * - `kernel`: x86_64 kernel code (the flags of the kernel's arch/x86/Makefile and
 *   rust/Makefile that affect code generation; ARCHITECTURE.md F8).
 */
export type Profile = 'user' | 'kernel';

export interface ProfileFlags {
  rustc: string[];
  clang: string[];
}

export const PROFILE_FLAGS: Record<Profile, ProfileFlags> = {
  user: {
    rustc: ['-Crelocation-model=pic'],
    clang: ['-fPIC'],
  },
  kernel: {
    rustc: [
      '-Ccode-model=kernel',
      '-Crelocation-model=static',
      '-Cno-redzone=yes',
      '-Ctarget-feature=-sse,-sse2,-mmx,-avx,-avx2,+soft-float',
    ],
    clang: ['-mcmodel=kernel', '-mno-red-zone', '-mno-sse', '-mno-sse2', '-mno-mmx', '-mno-avx', '-fno-PIE', '-fno-pic'],
  },
};
