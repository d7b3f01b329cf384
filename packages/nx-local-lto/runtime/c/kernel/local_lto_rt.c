// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nx-local-lto runtime, kernel profile: what the default panic handler and global allocator
 * of local-lto-rt call in a Linux module. Compiled with kbuild's flags for the tree, linked
 * and internalized with the helpers, inlined into the Rust callers (requireInlined covers
 * local_lto_rt_*): the module exports nothing of it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/log2.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>

/*
 * The module may define this (in its C glue) to see a Rust panic first: message not
 * NUL-terminated, e.g. "panicked at src/lib.rs:9:5:\nindex out of bounds: ...". A weak
 * reference: without it the kernel's path runs at once. Either way the panic ends in BUG(),
 * as Rust-for-Linux's panic handler does: the task that panicked is killed with an oops, and
 * the kernel goes on unless panic_on_oops is set.
 */
extern void local_lto_panic(const char *msg, size_t len) __attribute__((weak));

__always_inline __cold __noreturn void local_lto_rt_panic(const char *msg, size_t len)
{
	if (local_lto_panic)
		local_lto_panic(msg, len);
	/* One log line per line of the message, each with the module's prefix. */
	while (len) {
		const char *nl = memchr(msg, '\n', len);
		size_t n = nl ? (size_t)(nl - msg) : len;

		pr_emerg("rust panic: %.*s\n", (int)n, msg);
		n += nl ? 1 : 0;
		msg += n;
		len -= n;
	}
	BUG();
}

/*
 * kmalloc aligns to ARCH_KMALLOC_MINALIGN, and a power-of-two size to that size
 * (Documentation/core-api/memory-allocation.rst): a larger alignment gets a power-of-two
 * size of at least the alignment, as Rust-for-Linux's allocator does. Sizes kmalloc cannot
 * serve give NULL, which Rust turns into its allocation-error panic.
 */
static __always_inline size_t rt_kmalloc_size(size_t size, size_t align)
{
	if (size > KMALLOC_MAX_SIZE || align > KMALLOC_MAX_SIZE)
		return 0;
	if (align <= ARCH_KMALLOC_MINALIGN)
		return size ? size : 1;
	return roundup_pow_of_two(size > align ? size : align);
}

/* GFP_KERNEL: Rust code that allocates may sleep, like any kmalloc(GFP_KERNEL) caller. */
__always_inline void *local_lto_rt_alloc(size_t size, size_t align)
{
	size_t n = rt_kmalloc_size(size, align);

	return n ? kmalloc(n, GFP_KERNEL) : NULL;
}

__always_inline void *local_lto_rt_alloc_zeroed(size_t size, size_t align)
{
	size_t n = rt_kmalloc_size(size, align);

	return n ? kzalloc(n, GFP_KERNEL) : NULL;
}

__always_inline void local_lto_rt_free(void *ptr, size_t size, size_t align)
{
	kfree(ptr);
}

/* krealloc keeps the contents; a grown block is a new kmalloc of the rounded size, aligned the same way. */
__always_inline void *local_lto_rt_realloc(void *ptr, size_t old_size, size_t align, size_t new_size)
{
	size_t n = rt_kmalloc_size(new_size, align);

	return n ? krealloc(ptr, n, GFP_KERNEL) : NULL;
}

/*
 * core/alloc name the unwinding personality in cleanup paths; modules are panic=abort, so it
 * is never called. Defined so the object needs nothing from Rust; LTO usually drops it.
 */
void rust_eh_personality(void)
{
	BUG();
}
