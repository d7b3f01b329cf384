// SPDX-License-Identifier: GPL-2.0
/* Module glue: kbuild compiles it with the tree's flags; the Rust code does the work. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include "histo_kmod.h"

/* data[probe] is read by Rust: 32 or more is out of bounds, a Rust panic (the kernel's BUG()). */
static uint probe = 3;
module_param(probe, uint, 0444);
MODULE_PARM_DESC(probe, "index Rust reads from the samples (>= 32 panics)");

/* 32 samples, 8 in each quarter of the byte range. */
static const u8 samples[32] = {
	3, 12, 40, 63, 20, 7, 50, 33,
	64, 75, 100, 127, 90, 70, 80, 66,
	128, 150, 190, 191, 130, 140, 160, 170,
	192, 200, 255, 230, 210, 220, 240, 250,
};

static int __init histo_kmod_init(void)
{
	struct histo_kmod_results r;
	int passed;

	histo_kmod_run(samples, ARRAY_SIZE(samples), probe, &r);
	pr_info("samples %u\n", r.samples);
	pr_info("buckets %u %u %u %u\n", r.buckets[0], r.buckets[1], r.buckets[2], r.buckets[3]);
	pr_info("median %u\n", r.median);
	pr_info("checksum 0x%08x\n", r.checksum);
	pr_info("probe %u: %u\n", probe, r.probe);
	passed = (r.samples == 32) + (r.buckets[0] == 8 && r.buckets[1] == 8 && r.buckets[2] == 8 && r.buckets[3] == 8) +
		 (r.median == 128) + (r.probe == samples[probe]);
	if (passed == 4)
		pr_info("all 4 checks passed\n");
	else
		pr_err("%d of 4 checks failed\n", 4 - passed);
	return 0;
}

static void __exit histo_kmod_exit(void)
{
	pr_info("unloaded\n");
}

module_init(histo_kmod_init);
module_exit(histo_kmod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("slice indexing, Vec and core's panic path as kernel code (nx-local-lto sample)");
