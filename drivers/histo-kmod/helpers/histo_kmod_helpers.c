// SPDX-License-Identifier: GPL-2.0
/* Helpers: the kernel's static inline functions Rust cannot call; local LTO inlines them. */
#include <linux/swab.h>
#include <linux/bitops.h>
#include "histo_kmod.h"

__rust_helper u32 rust_helper_swab32(u32 x) { return swab32(x); }
__rust_helper u32 rust_helper_rol32(u32 word, unsigned int shift) { return rol32(word, shift); }
