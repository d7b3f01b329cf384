// SPDX-License-Identifier: GPL-2.0
/* Module glue: kbuild compiles it with the tree's flags; the Rust code does the work. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/user_namespace.h>
#include "kuid_kmod.h"

static DEFINE_SPINLOCK(kuid_kmod_lock);
static refcount_t kuid_kmod_refs;

static int __init kuid_kmod_init(void)
{
	struct kuid_kmod_results r;
	int passed;

	kuid_kmod_selftest(&init_user_ns, &kuid_kmod_lock, &kuid_kmod_refs, &r);
	pr_info("roundtrip %u\n", r.roundtrip);
	pr_info("uid_eq %u\n", r.uid_eq);
	pr_info("refcount %u\n", r.refcount);
	pr_info("released %u\n", r.released);
	pr_info("locked_sum %u\n", r.locked_sum);
	pr_info("err_ptr %lld\n", r.err_ptr);
	passed = (r.roundtrip == 1000) + (r.uid_eq == 1) + (r.refcount == 2) + (r.released == 1) +
		 (r.locked_sum == 6) + (r.err_ptr == -12);
	if (passed == 6)
		pr_info("all 6 checks passed\n");
	else
		pr_err("%d of 6 checks failed\n", 6 - passed);
	return 0;
}

static void __exit kuid_kmod_exit(void)
{
	pr_info("unloaded\n");
}

module_init(kuid_kmod_init);
module_exit(kuid_kmod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kuid, refcount, spinlock and ERR_PTR from Rust through inlined helpers (nx-local-lto sample)");
