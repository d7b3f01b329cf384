// SPDX-License-Identifier: MIT
/*
 * nx-local-lto runtime, user profile: what the default panic handler and global allocator
 * of local-lto-rt call. Compiled to helper bitcode with the driver and internalized, so it
 * is inlined into its Rust callers (RT_INLINE: the panic path is cold, and requireInlined
 * covers local_lto_rt_*) and exports nothing.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/*
 * The driver's user may define this to see panics (message, not NUL-terminated); it is a
 * weak reference, so a program without it links and panics go straight to abort().
 * If it returns, abort() runs anyway.
 */
extern void local_lto_panic(const char *msg, size_t len) __attribute__((weak));

/*
 * Inlined into every Rust caller under local LTO (clang); the native fallback (GCC, no
 * LTO) calls them, and GCC refuses always_inline on functions that may be replaced.
 */
#ifdef __clang__
#define RT_INLINE __attribute__((always_inline))
#else
#define RT_INLINE
#endif

RT_INLINE __attribute__((noreturn, cold)) void local_lto_rt_panic(const char *msg, size_t len)
{
	if (local_lto_panic)
		local_lto_panic(msg, len);
	abort();
}

/* malloc's alignment covers every fundamental type; larger ones go to aligned_alloc. */
#define MALLOC_ALIGN _Alignof(max_align_t)

/* aligned_alloc wants a size that is a multiple of the alignment. */
static inline void *alloc_aligned(size_t size, size_t align)
{
	return aligned_alloc(align, (size + align - 1) & ~(align - 1));
}

RT_INLINE void *local_lto_rt_alloc(size_t size, size_t align)
{
	if (align <= MALLOC_ALIGN)
		return malloc(size);
	return alloc_aligned(size, align);
}

RT_INLINE void *local_lto_rt_alloc_zeroed(size_t size, size_t align)
{
	void *p;

	if (align <= MALLOC_ALIGN)
		return calloc(1, size);
	p = alloc_aligned(size, align);
	if (p)
		memset(p, 0, size);
	return p;
}

RT_INLINE void local_lto_rt_free(void *ptr, size_t size, size_t align)
{
	(void)size;
	(void)align;
	free(ptr);
}

RT_INLINE void *local_lto_rt_realloc(void *ptr, size_t old_size, size_t align, size_t new_size)
{
	void *p;

	if (align <= MALLOC_ALIGN)
		return realloc(ptr, new_size);
	p = alloc_aligned(new_size, align);
	if (p) {
		memcpy(p, ptr, old_size < new_size ? old_size : new_size);
		free(ptr);
	}
	return p;
}

/*
 * The standard library's precompiled core/alloc name the unwinding personality in their
 * cleanup paths. Drivers are panic=abort, so it is never called; LTO usually drops the
 * reference, and this keeps the object self-contained when it does not. Weak: a driver
 * using std carries std's own personality, which wins (llvm-link refuses two strong ones).
 */
__attribute__((noreturn, weak)) void rust_eh_personality(void)
{
	abort();
}
