// SPDX-License-Identifier: MIT
#include "kernel_helpers.h"

__rust_helper kuid_t rust_helper_make_kuid(const struct user_namespace *ns, uid_t_ uid) { return make_kuid(ns, uid); }
__rust_helper kgid_t rust_helper_make_kgid(const struct user_namespace *ns, gid_t_ gid) { return make_kgid(ns, gid); }
__rust_helper uid_t_ rust_helper_from_kuid(const struct user_namespace *ns, kuid_t kuid) { return from_kuid(ns, kuid); }
__rust_helper gid_t_ rust_helper_from_kgid(const struct user_namespace *ns, kgid_t kgid) { return from_kgid(ns, kgid); }
__rust_helper bool rust_helper_uid_eq(kuid_t left, kuid_t right) { return uid_eq(left, right); }
__rust_helper bool rust_helper_gid_eq(kgid_t left, kgid_t right) { return gid_eq(left, right); }
__rust_helper bool rust_helper_uid_valid(kuid_t uid) { return uid_valid(uid); }
__rust_helper bool rust_helper_gid_valid(kgid_t gid) { return gid_valid(gid); }
