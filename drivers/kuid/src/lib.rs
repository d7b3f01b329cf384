// SPDX-License-Identifier: MIT
//! kuid: the kernel's `Kuid`/`Kgid` abstractions over C helpers, as in the
//! Rust-for-Linux thread that motivated inline helpers. Every method is a thin safe
//! wrapper over a `rust_helper_*` function; local LTO inlines them all.
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

mod bindings {
    use super::{Kgid, Kuid, Refcount, UserNamespace};
    extern "C" {
        pub fn rust_helper_make_kuid(ns: *const UserNamespace, uid: u32) -> Kuid;
        pub fn rust_helper_make_kgid(ns: *const UserNamespace, gid: u32) -> Kgid;
        pub fn rust_helper_from_kuid(ns: *const UserNamespace, kuid: Kuid) -> u32;
        pub fn rust_helper_from_kgid(ns: *const UserNamespace, kgid: Kgid) -> u32;
        pub fn rust_helper_uid_eq(left: Kuid, right: Kuid) -> bool;
        pub fn rust_helper_uid_valid(uid: Kuid) -> bool;
        pub fn rust_helper_uid_is_root(uid: Kuid) -> bool;
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
        unsafe { bindings::rust_helper_make_kuid(ns, uid) }
    }

    /// The uid `ns` sees for this kernel uid (`u32::MAX` when unmapped).
    #[inline]
    pub fn into_raw_in(self, ns: &UserNamespace) -> u32 {
        unsafe { bindings::rust_helper_from_kuid(ns, self) }
    }

    #[inline]
    pub fn is_valid(self) -> bool {
        unsafe { bindings::rust_helper_uid_valid(self) }
    }

    #[inline]
    pub fn is_root(self) -> bool {
        unsafe { bindings::rust_helper_uid_is_root(self) }
    }
}

impl PartialEq for Kuid {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        unsafe { bindings::rust_helper_uid_eq(*self, *other) }
    }
}

impl Kgid {
    #[inline]
    pub fn from_raw_in(ns: &UserNamespace, gid: u32) -> Self {
        unsafe { bindings::rust_helper_make_kgid(ns, gid) }
    }

    #[inline]
    pub fn into_raw_in(self, ns: &UserNamespace) -> u32 {
        unsafe { bindings::rust_helper_from_kgid(ns, self) }
    }
}

impl Refcount {
    #[inline]
    pub fn new(n: i32) -> Self {
        let r = Refcount { refs: UnsafeCell::new(0) };
        unsafe { bindings::rust_helper_refcount_set(r.refs.get().cast(), n) };
        r
    }

    #[inline]
    pub fn inc(&self) {
        unsafe { bindings::rust_helper_refcount_inc(self.refs.get().cast()) }
    }

    /// True when this dropped the last reference.
    #[inline]
    pub fn dec_and_test(&self) -> bool {
        unsafe { bindings::rust_helper_refcount_dec_and_test(self.refs.get().cast()) }
    }

    #[inline]
    pub fn read(&self) -> u32 {
        unsafe { bindings::rust_helper_refcount_read(self.refs.get().cast_const().cast()) }
    }
}

/// Maps `uid` into the kernel and back: `uid` when mapped, `u32::MAX` otherwise.
#[no_mangle]
pub extern "C" fn kuid_map_roundtrip(ns: &UserNamespace, uid: u32) -> u32 {
    Kuid::from_raw_in(ns, uid).into_raw_in(ns)
}

#[no_mangle]
pub extern "C" fn kgid_map_roundtrip(ns: &UserNamespace, gid: u32) -> u32 {
    Kgid::from_raw_in(ns, gid).into_raw_in(ns)
}

/// Whether two uids of `ns` are the same kernel user.
#[no_mangle]
pub extern "C" fn kuid_same_user(ns: &UserNamespace, a: u32, b: u32) -> bool {
    Kuid::from_raw_in(ns, a) == Kuid::from_raw_in(ns, b)
}

#[no_mangle]
pub extern "C" fn kuid_is_valid(ns: &UserNamespace, uid: u32) -> bool {
    Kuid::from_raw_in(ns, uid).is_valid()
}

/// Whether `uid` in `ns` is the kernel's root user (the driver's own helper).
#[no_mangle]
pub extern "C" fn kuid_maps_to_root(ns: &UserNamespace, uid: u32) -> bool {
    Kuid::from_raw_in(ns, uid).is_root()
}

/// Takes `n` extra references and drops them all; returns how many drops hit zero
/// (1: the last one) times 1000 plus the count left (0).
#[no_mangle]
pub extern "C" fn kuid_refcount_cycle(n: u32) -> u32 {
    let r = Refcount::new(1);
    for _ in 0..n {
        r.inc();
    }
    let mut zero_hits = 0;
    for _ in 0..=n {
        if r.dec_and_test() {
            zero_hits += 1;
        }
    }
    zero_hits * 1000 + r.read()
}
