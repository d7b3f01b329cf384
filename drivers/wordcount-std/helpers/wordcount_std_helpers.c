// SPDX-License-Identifier: MIT
/* Helpers the Rust code calls; inlined into every caller, std's generic code included. */
#include <stdint.h>

/* ASCII case folding as the C side of the driver defines it. */
uint8_t rust_helper_fold_byte(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}
