/* SPDX-License-Identifier: MIT */
#ifndef KUID_DRIVER_H
#define KUID_DRIVER_H

#include "kernel_helpers.h"

#define GLOBAL_ROOT_UID KUIDT_INIT(0)

static inline bool uid_is_root(kuid_t uid) { return uid_eq(uid, GLOBAL_ROOT_UID); }

/* Helper of this driver (helpers/kuid_helpers.c). */
bool rust_helper_uid_is_root(kuid_t uid);

/* Exported by the Rust crate (src/lib.rs). */
uint32_t kuid_map_roundtrip(const struct user_namespace *ns, uint32_t uid);
uint32_t kgid_map_roundtrip(const struct user_namespace *ns, uint32_t gid);
bool kuid_same_user(const struct user_namespace *ns, uint32_t a, uint32_t b);
bool kuid_is_valid(const struct user_namespace *ns, uint32_t uid);
bool kuid_maps_to_root(const struct user_namespace *ns, uint32_t uid);
uint32_t kuid_refcount_cycle(uint32_t n);

#endif
