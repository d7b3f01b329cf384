/**
 * Code generation profiles, applied alike to rustc and clang so caller and helper agree
 * on code model, relocation model and target features (a mismatch blocks inlining).
 * - `user`: position-independent host code.
 * - `kernel`: x86_64 kernel code for a kernel tree (Linux module): C flags from kbuild for the
 *   tree, rustc flags from its .config (src/kernel). Helpers get `null_pointer_is_valid` from
 *   kbuild's -fno-delete-null-pointer-checks, which blocks inlining into Rust unless the helper
 *   is always-inline: the kernel's `__rust_helper` convention, which the generator emits.
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
  // The kernel profile's flags come from the kernel tree (src/kernel): kbuild's own C flags
  // and the rustc flags its .config implies. Never a copy of them here (ARCHITECTURE F10-F12).
  kernel: { rustc: [], c: [] },
};
