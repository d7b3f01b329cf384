/* SPDX-License-Identifier: MIT */
#ifndef BITSET_USER_H
#define BITSET_USER_H

#include <stddef.h>
#include <stdint.h>

#define BITSET_READ 1u
#define BITSET_WRITE 2u
#define BITSET_EXEC 4u

struct bitset_table;

struct bitset_table *bitset_table_new(void);
uint32_t bitset_table_push(struct bitset_table *table, uint32_t bits);
/* Panics (see local_lto_panic) when index is past the end. */
uint32_t bitset_table_get(const struct bitset_table *table, uint32_t index);
uint32_t bitset_table_count(const struct bitset_table *table);
uint32_t bitset_mask_bits(const uint8_t *masks, size_t len);
void bitset_table_free(struct bitset_table *table);

/*
 * Optional: define this to see a panic of the driver (message, not NUL-terminated).
 * Without it, or when it returns, a panic calls abort().
 */
void local_lto_panic(const char *msg, size_t len);

#endif
