// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers: one-line wrappers of the kernel's static inline functions and macros, which Rust
 * cannot call. Local LTO inlines each into its Rust caller; none is left in the module.
 */
#include <linux/err.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>
#include "kuid_kmod.h"

__rust_helper kuid_t rust_helper_make_kuid(struct user_namespace *ns, uid_t uid) { return make_kuid(ns, uid); }
__rust_helper uid_t rust_helper_from_kuid(struct user_namespace *ns, kuid_t kuid) { return from_kuid(ns, kuid); }
__rust_helper bool rust_helper_uid_eq(kuid_t a, kuid_t b) { return uid_eq(a, b); }
__rust_helper void rust_helper_refcount_set(refcount_t *r, int n) { refcount_set(r, n); }
__rust_helper void rust_helper_refcount_inc(refcount_t *r) { refcount_inc(r); }
__rust_helper unsigned int rust_helper_refcount_read(const refcount_t *r) { return refcount_read(r); }
__rust_helper bool rust_helper_refcount_dec_and_test(refcount_t *r) { return refcount_dec_and_test(r); }
__rust_helper void rust_helper_spin_lock(spinlock_t *lock) { spin_lock(lock); }
__rust_helper void rust_helper_spin_unlock(spinlock_t *lock) { spin_unlock(lock); }
__rust_helper void *rust_helper_ERR_PTR(long error) { return ERR_PTR(error); }
__rust_helper bool rust_helper_IS_ERR(const void *ptr) { return IS_ERR(ptr); }
__rust_helper long rust_helper_PTR_ERR(const void *ptr) { return PTR_ERR(ptr); }
