// SPDX-License-Identifier: MIT
//! kuid: a driver built on the `kernel` support crate (libs/kernel), whose `Kuid`, `Kgid`
//! and `Refcount` methods wrap C helpers, as in the Rust-for-Linux thread that motivated
//! inline helpers. It adds one helper of its own (`rust_helper_uid_is_root`,
//! helpers/kuid_helpers.c). `nx build kuid` inlines all of them into the functions below.
#![no_std]

use kernel::{Kgid, Kuid, Refcount, UserNamespace};

mod bindings {
    use kernel::Kuid;
    extern "C" {
        pub fn rust_helper_uid_is_root(uid: Kuid) -> bool;
    }
}

/// Whether `uid` is the kernel's root user (this driver's own helper).
#[inline]
pub fn is_root(uid: Kuid) -> bool {
    // SAFETY: by-value id, no preconditions.
    unsafe { bindings::rust_helper_uid_is_root(uid) }
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

/// Whether `uid` in `ns` is the kernel's root user.
#[no_mangle]
pub extern "C" fn kuid_maps_to_root(ns: &UserNamespace, uid: u32) -> bool {
    is_root(Kuid::from_raw_in(ns, uid))
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
