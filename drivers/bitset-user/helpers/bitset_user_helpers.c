// SPDX-License-Identifier: MIT
/* Helpers the Rust code calls; inlined into every caller, generic ones included. */
#include <stdint.h>

uint32_t rust_helper_popcount32(uint32_t x)
{
	return (uint32_t)__builtin_popcount(x);
}

uint32_t rust_helper_clamp_bits(uint32_t bits, uint32_t allowed)
{
	return bits & allowed;
}
