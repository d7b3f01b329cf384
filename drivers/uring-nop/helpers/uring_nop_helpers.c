// SPDX-License-Identifier: MIT
/* Wrappers of liburing's static inline functions (Debian liburing-dev), for Rust. */
#include "uring_nop.h"

__rust_helper struct io_uring_sqe *rust_helper_io_uring_get_sqe(struct io_uring *ring) { return io_uring_get_sqe(ring); }
__rust_helper void rust_helper_io_uring_prep_nop(struct io_uring_sqe *sqe) { io_uring_prep_nop(sqe); }
__rust_helper void rust_helper_io_uring_sqe_set_data64(struct io_uring_sqe *sqe, uint64_t data) { io_uring_sqe_set_data64(sqe, data); }
__rust_helper int rust_helper_io_uring_peek_cqe(struct io_uring *ring, struct io_uring_cqe **cqe) { return io_uring_peek_cqe(ring, cqe); }
__rust_helper uint64_t rust_helper_io_uring_cqe_get_data64(const struct io_uring_cqe *cqe) { return io_uring_cqe_get_data64(cqe); }
__rust_helper int32_t rust_helper_io_uring_cqe_res(const struct io_uring_cqe *cqe) { return cqe->res; }
__rust_helper void rust_helper_io_uring_cq_advance(struct io_uring *ring, unsigned int n) { io_uring_cq_advance(ring, n); }
