/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HISTO_KMOD_H
#define HISTO_KMOD_H

#include <linux/types.h>

#ifndef __rust_helper
#define __rust_helper __always_inline
#endif

/* What the Rust code computed (filled by histo_kmod_run). */
struct histo_kmod_results {
	u32 samples;
	u32 buckets[4];
	u32 median;
	u32 checksum;
	u32 probe;
};

/*
 * Rust (src/lib.rs): a histogram, a median through a Vec (kmalloc'd), a checksum through a
 * helper, and data[probe], an index checked at run time: out of range, it panics.
 */
void histo_kmod_run(const u8 *data, size_t len, size_t probe, struct histo_kmod_results *out);

#endif
