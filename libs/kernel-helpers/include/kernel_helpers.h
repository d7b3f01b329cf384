/* SPDX-License-Identifier: MIT */
/*
 * A user-space model of the kernel's kuid/kgid and refcount APIs
 * (include/linux/uidgid.h, include/linux/refcount.h): the same types and
 * static inline functions, small enough to read, for helpers to wrap.
 */
#ifndef KERNEL_HELPERS_H
#define KERNEL_HELPERS_H

#include <stdbool.h>
#include <stdint.h>
#include "rust_helper.h"

typedef uint32_t uid_t_;
typedef uint32_t gid_t_;

typedef struct { uid_t_ val; } kuid_t;
typedef struct { gid_t_ val; } kgid_t;

#define KUIDT_INIT(value) ((kuid_t){ value })
#define KGIDT_INIT(value) ((kgid_t){ value })
#define INVALID_UID KUIDT_INIT((uid_t_)-1)
#define INVALID_GID KGIDT_INIT((gid_t_)-1)

/* One extent of a user namespace's id map: ids [first, first+count) map to [lower_first, ...). */
struct uid_gid_extent {
	uint32_t first;
	uint32_t lower_first;
	uint32_t count;
};

/* A user namespace with one uid and one gid extent. */
struct user_namespace {
	struct uid_gid_extent uid_map;
	struct uid_gid_extent gid_map;
};

static inline uint32_t map_id_down(const struct uid_gid_extent *map, uint32_t id)
{
	if (id - map->first < map->count)
		return id - map->first + map->lower_first;
	return (uint32_t)-1;
}

static inline uint32_t map_id_up(const struct uid_gid_extent *map, uint32_t id)
{
	if (id - map->lower_first < map->count)
		return id - map->lower_first + map->first;
	return (uint32_t)-1;
}

static inline uid_t_ __kuid_val(kuid_t uid) { return uid.val; }
static inline gid_t_ __kgid_val(kgid_t gid) { return gid.val; }
static inline bool uid_eq(kuid_t left, kuid_t right) { return __kuid_val(left) == __kuid_val(right); }
static inline bool gid_eq(kgid_t left, kgid_t right) { return __kgid_val(left) == __kgid_val(right); }
static inline bool uid_valid(kuid_t uid) { return __kuid_val(uid) != (uid_t_)-1; }
static inline bool gid_valid(kgid_t gid) { return __kgid_val(gid) != (gid_t_)-1; }

static inline kuid_t make_kuid(const struct user_namespace *ns, uid_t_ uid)
{
	return KUIDT_INIT(map_id_down(&ns->uid_map, uid));
}

static inline kgid_t make_kgid(const struct user_namespace *ns, gid_t_ gid)
{
	return KGIDT_INIT(map_id_down(&ns->gid_map, gid));
}

static inline uid_t_ from_kuid(const struct user_namespace *ns, kuid_t kuid)
{
	return map_id_up(&ns->uid_map, __kuid_val(kuid));
}

static inline gid_t_ from_kgid(const struct user_namespace *ns, kgid_t kgid)
{
	return map_id_up(&ns->gid_map, __kgid_val(kgid));
}

typedef struct { int refs; } refcount_t;

static inline void refcount_set(refcount_t *r, int n) { __atomic_store_n(&r->refs, n, __ATOMIC_RELAXED); }
static inline unsigned int refcount_read(const refcount_t *r) { return __atomic_load_n(&r->refs, __ATOMIC_RELAXED); }
static inline void refcount_inc(refcount_t *r) { __atomic_fetch_add(&r->refs, 1, __ATOMIC_RELAXED); }

/* True when the count dropped to zero; release on decrement, acquire when it hit zero. */
static inline bool refcount_dec_and_test(refcount_t *r)
{
	int old = __atomic_fetch_sub(&r->refs, 1, __ATOMIC_RELEASE);
	if (old == 1) {
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		return true;
	}
	return false;
}

/* The helpers Rust calls (defined in src/). */
kuid_t rust_helper_make_kuid(const struct user_namespace *ns, uid_t_ uid);
kgid_t rust_helper_make_kgid(const struct user_namespace *ns, gid_t_ gid);
uid_t_ rust_helper_from_kuid(const struct user_namespace *ns, kuid_t kuid);
gid_t_ rust_helper_from_kgid(const struct user_namespace *ns, kgid_t kgid);
bool rust_helper_uid_eq(kuid_t left, kuid_t right);
bool rust_helper_gid_eq(kgid_t left, kgid_t right);
bool rust_helper_uid_valid(kuid_t uid);
bool rust_helper_gid_valid(kgid_t gid);
void rust_helper_refcount_set(refcount_t *r, int n);
unsigned int rust_helper_refcount_read(const refcount_t *r);
void rust_helper_refcount_inc(refcount_t *r);
bool rust_helper_refcount_dec_and_test(refcount_t *r);

#endif
