/* SPDX-License-Identifier: MIT */
#ifndef URING_NOP_H
#define URING_NOP_H

#include <liburing.h>
#include <stdint.h>

#ifndef __rust_helper
/* Always-inline, like the kernel's __rust_helper: see libs/kernel-helpers/include/rust_helper.h. */
#define __rust_helper __attribute__((__always_inline__))
#endif

/* Helpers over liburing's static inline functions (helpers/uring_helpers.c). */
struct io_uring_sqe *rust_helper_io_uring_get_sqe(struct io_uring *ring);
void rust_helper_io_uring_prep_nop(struct io_uring_sqe *sqe);
void rust_helper_io_uring_sqe_set_data64(struct io_uring_sqe *sqe, uint64_t data);
int rust_helper_io_uring_peek_cqe(struct io_uring *ring, struct io_uring_cqe **cqe);
uint64_t rust_helper_io_uring_cqe_get_data64(const struct io_uring_cqe *cqe);
int32_t rust_helper_io_uring_cqe_res(const struct io_uring_cqe *cqe);
void rust_helper_io_uring_cq_advance(struct io_uring *ring, unsigned int n);

/* Exported by the Rust crate (src/lib.rs). */
uint32_t uring_nop_queue(struct io_uring *ring, uint32_t n, uint64_t first_data);
uint32_t uring_nop_reap(struct io_uring *ring, uint32_t n, uint64_t first_data, uint32_t *bad);

#endif
