// SPDX-License-Identifier: MIT
//! uring-nop: a userspace driver that queues and reaps io_uring NOP requests through
//! helpers over liburing's `static inline` functions. The ring itself is set up by the
//! host program; this crate only touches it through the helpers.
#![no_std]

use core::ptr;

/// liburing's `struct io_uring`, only ever used behind a pointer.
#[repr(C)]
pub struct IoUring {
    _opaque: [u8; 0],
}

/// `struct io_uring_sqe`, only ever used behind a pointer.
#[repr(C)]
pub struct Sqe {
    _opaque: [u8; 0],
}

/// `struct io_uring_cqe`, only ever used behind a pointer.
#[repr(C)]
pub struct Cqe {
    _opaque: [u8; 0],
}

mod bindings {
    use super::{Cqe, IoUring, Sqe};
    extern "C" {
        pub fn rust_helper_io_uring_get_sqe(ring: *mut IoUring) -> *mut Sqe;
        pub fn rust_helper_io_uring_prep_nop(sqe: *mut Sqe);
        pub fn rust_helper_io_uring_sqe_set_data64(sqe: *mut Sqe, data: u64);
        pub fn rust_helper_io_uring_peek_cqe(ring: *mut IoUring, cqe: *mut *mut Cqe) -> i32;
        pub fn rust_helper_io_uring_cqe_get_data64(cqe: *const Cqe) -> u64;
        pub fn rust_helper_io_uring_cqe_res(cqe: *const Cqe) -> i32;
        pub fn rust_helper_io_uring_cq_advance(ring: *mut IoUring, n: u32);
    }
}

/// A borrowed, initialised ring.
pub struct Ring {
    raw: *mut IoUring,
}

impl Ring {
    /// # Safety
    /// `raw` must point to a ring set up by `io_uring_queue_init` and not used elsewhere meanwhile.
    #[inline]
    pub unsafe fn from_raw(raw: *mut IoUring) -> Self {
        Ring { raw }
    }

    /// Queues one NOP carrying `data`; false when the submission queue is full.
    #[inline]
    pub fn queue_nop(&mut self, data: u64) -> bool {
        unsafe {
            let sqe = bindings::rust_helper_io_uring_get_sqe(self.raw);
            if sqe.is_null() {
                return false;
            }
            bindings::rust_helper_io_uring_prep_nop(sqe);
            bindings::rust_helper_io_uring_sqe_set_data64(sqe, data);
        }
        true
    }

    /// The next completion as (user data, result), consumed; None when none is ready.
    #[inline]
    pub fn next_completion(&mut self) -> Option<(u64, i32)> {
        unsafe {
            let mut cqe: *mut Cqe = ptr::null_mut();
            if bindings::rust_helper_io_uring_peek_cqe(self.raw, &mut cqe) != 0 || cqe.is_null() {
                return None;
            }
            let done = (bindings::rust_helper_io_uring_cqe_get_data64(cqe), bindings::rust_helper_io_uring_cqe_res(cqe));
            bindings::rust_helper_io_uring_cq_advance(self.raw, 1);
            Some(done)
        }
    }
}

/// Queues up to `n` NOPs with user data `first_data`, `first_data + 1`, ...; returns how many.
#[no_mangle]
pub unsafe extern "C" fn uring_nop_queue(ring: *mut IoUring, n: u32, first_data: u64) -> u32 {
    let mut ring = Ring::from_raw(ring);
    let mut queued = 0;
    while queued < n && ring.queue_nop(first_data.wrapping_add(queued as u64)) {
        queued += 1;
    }
    queued
}

/// Reaps up to `n` completions; returns how many, and counts in `*bad` those whose user
/// data is outside `first_data..first_data + n` or whose result is not 0.
#[no_mangle]
pub unsafe extern "C" fn uring_nop_reap(ring: *mut IoUring, n: u32, first_data: u64, bad: *mut u32) -> u32 {
    let mut ring = Ring::from_raw(ring);
    let mut reaped = 0;
    let mut wrong = 0;
    while reaped < n {
        match ring.next_completion() {
            Some((data, res)) => {
                if data.wrapping_sub(first_data) >= n as u64 || res != 0 {
                    wrong += 1;
                }
                reaped += 1;
            }
            None => break,
        }
    }
    *bad = wrong;
    reaped
}
