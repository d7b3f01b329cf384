/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KUID_KMOD_H
#define KUID_KMOD_H

#include <linux/types.h>

/*
 * The kernel's marker for a helper that exists to be called from Rust (Linux 7.1,
 * CONFIG_RUST_INLINE_HELPERS): always-inline, so it inlines into Rust despite kbuild's
 * -fno-delete-null-pointer-checks. Defined here for trees that predate it.
 */
#ifndef __rust_helper
#define __rust_helper __always_inline
#endif

struct user_namespace;

/* What the Rust self-test computed (filled by kuid_kmod_selftest). */
struct kuid_kmod_results {
	u32 roundtrip;
	u32 uid_eq;
	u32 refcount;
	u32 released;
	u32 locked_sum;
	s64 err_ptr;
};

/* Rust (src/lib.rs): runs the checks through the helpers over the real kernel headers. */
void kuid_kmod_selftest(struct user_namespace *ns, void *lock, void *refcount, struct kuid_kmod_results *out);

#endif
