// SPDX-License-Identifier: MIT
//! kernel: safe abstractions over the C helpers of `libs/kernel-helpers`, in the shape of
//! the Linux kernel's `kernel` crate (`kernel::cred`, `kernel::sync::Refcount`). Every
//! method is `#[inline]`: it is instantiated in the driver that calls it, where local LTO
//! inlines the helper behind it.
#![no_std]

use core::cell::UnsafeCell;

/// One extent of a user namespace's id map (`struct uid_gid_extent`).
#[repr(C)]
pub struct UidGidExtent {
    pub first: u32,
    pub lower_first: u32,
    pub count: u32,
}

/// A user namespace with one uid and one gid extent (`struct user_namespace`).
#[repr(C)]
pub struct UserNamespace {
    pub uid_map: UidGidExtent,
    pub gid_map: UidGidExtent,
}

/// A kernel user id (`kuid_t`), only comparable through the helpers.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Kuid {
    val: u32,
}

/// A kernel group id (`kgid_t`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Kgid {
    val: u32,
}

/// A reference count (`refcount_t`), changed only through the helpers' atomics.
#[repr(C)]
pub struct Refcount {
    refs: UnsafeCell<i32>,
}

// SAFETY: the count is only read and changed through the helpers' atomic operations.
unsafe impl Sync for Refcount {}

mod bindings {
    use super::{Kgid, Kuid, Refcount, UserNamespace};
    extern "C" {
        pub fn rust_helper_make_kuid(ns: *const UserNamespace, uid: u32) -> Kuid;
        pub fn rust_helper_make_kgid(ns: *const UserNamespace, gid: u32) -> Kgid;
        pub fn rust_helper_from_kuid(ns: *const UserNamespace, kuid: Kuid) -> u32;
        pub fn rust_helper_from_kgid(ns: *const UserNamespace, kgid: Kgid) -> u32;
        pub fn rust_helper_uid_eq(left: Kuid, right: Kuid) -> bool;
        pub fn rust_helper_gid_eq(left: Kgid, right: Kgid) -> bool;
        pub fn rust_helper_uid_valid(uid: Kuid) -> bool;
        pub fn rust_helper_gid_valid(gid: Kgid) -> bool;
        pub fn rust_helper_refcount_set(r: *mut Refcount, n: i32);
        pub fn rust_helper_refcount_read(r: *const Refcount) -> u32;
        pub fn rust_helper_refcount_inc(r: *mut Refcount);
        pub fn rust_helper_refcount_dec_and_test(r: *mut Refcount) -> bool;
    }
}

impl Kuid {
    /// Maps `uid` as seen in `ns` to a kernel uid (invalid when unmapped).
    #[inline]
    pub fn from_raw_in(ns: &UserNamespace, uid: u32) -> Self {
        // SAFETY: `ns` is a valid reference; the helper only reads it.
        unsafe { bindings::rust_helper_make_kuid(ns, uid) }
    }

    /// The uid `ns` sees for this kernel uid (`u32::MAX` when unmapped).
    #[inline]
    pub fn into_raw_in(self, ns: &UserNamespace) -> u32 {
        // SAFETY: as above.
        unsafe { bindings::rust_helper_from_kuid(ns, self) }
    }

    /// The raw kernel value (`__kuid_val`).
    #[inline]
    pub fn as_raw(self) -> u32 {
        self.val
    }

    #[inline]
    pub fn is_valid(self) -> bool {
        // SAFETY: the helper takes the id by value and has no preconditions.
        unsafe { bindings::rust_helper_uid_valid(self) }
    }
}

impl PartialEq for Kuid {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        // SAFETY: by-value ids, no preconditions.
        unsafe { bindings::rust_helper_uid_eq(*self, *other) }
    }
}

impl Kgid {
    #[inline]
    pub fn from_raw_in(ns: &UserNamespace, gid: u32) -> Self {
        // SAFETY: `ns` is a valid reference; the helper only reads it.
        unsafe { bindings::rust_helper_make_kgid(ns, gid) }
    }

    #[inline]
    pub fn into_raw_in(self, ns: &UserNamespace) -> u32 {
        // SAFETY: as above.
        unsafe { bindings::rust_helper_from_kgid(ns, self) }
    }

    #[inline]
    pub fn is_valid(self) -> bool {
        // SAFETY: by-value id, no preconditions.
        unsafe { bindings::rust_helper_gid_valid(self) }
    }
}

impl PartialEq for Kgid {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        // SAFETY: by-value ids, no preconditions.
        unsafe { bindings::rust_helper_gid_eq(*self, *other) }
    }
}

impl Refcount {
    /// A count starting at `n`.
    #[inline]
    pub fn new(n: i32) -> Self {
        let r = Refcount { refs: UnsafeCell::new(0) };
        // SAFETY: `r` is a fresh, exclusively owned count.
        unsafe { bindings::rust_helper_refcount_set(r.refs.get().cast(), n) };
        r
    }

    #[inline]
    pub fn inc(&self) {
        // SAFETY: the helper changes the count atomically.
        unsafe { bindings::rust_helper_refcount_inc(self.refs.get().cast()) }
    }

    /// True when this dropped the last reference.
    #[inline]
    pub fn dec_and_test(&self) -> bool {
        // SAFETY: the helper changes the count atomically.
        unsafe { bindings::rust_helper_refcount_dec_and_test(self.refs.get().cast()) }
    }

    #[inline]
    pub fn read(&self) -> u32 {
        // SAFETY: the helper reads the count atomically.
        unsafe { bindings::rust_helper_refcount_read(self.refs.get().cast_const().cast()) }
    }
}
