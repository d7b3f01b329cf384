/* SPDX-License-Identifier: MIT */
#ifndef URING_NOP_H
#define URING_NOP_H

#include <liburing.h>
#include <stdint.h>

/* Exported by the Rust crate (src/lib.rs), which calls liburing's static inline functions
   through the wrappers bindgen generates (local-lto.json "bindings"). */
uint32_t uring_nop_queue(struct io_uring *ring, uint32_t n, uint64_t first_data);
uint32_t uring_nop_reap(struct io_uring *ring, uint32_t n, uint64_t first_data, uint32_t *bad);

#endif
