//! kuid-kmod: a Linux module's Rust code over the kernel's own kuid, refcount, spinlock and
//! ERR_PTR API, through C helpers that local LTO inlines (see ../README.md).
#![no_std]

use core::ffi::{c_long, c_void};

/// `kuid_t` of include/linux/uidgid.h: `struct { uid_t val; }`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Kuid {
    val: u32,
}

extern "C" {
    fn rust_helper_make_kuid(ns: *mut c_void, uid: u32) -> Kuid;
    fn rust_helper_from_kuid(ns: *mut c_void, kuid: Kuid) -> u32;
    fn rust_helper_uid_eq(a: Kuid, b: Kuid) -> bool;
    fn rust_helper_refcount_set(r: *mut c_void, n: i32);
    fn rust_helper_refcount_inc(r: *mut c_void);
    fn rust_helper_refcount_read(r: *const c_void) -> u32;
    fn rust_helper_refcount_dec_and_test(r: *mut c_void) -> bool;
    fn rust_helper_spin_lock(lock: *mut c_void);
    fn rust_helper_spin_unlock(lock: *mut c_void);
    fn rust_helper_ERR_PTR(error: c_long) -> *mut c_void;
    fn rust_helper_IS_ERR(ptr: *const c_void) -> bool;
    fn rust_helper_PTR_ERR(ptr: *const c_void) -> c_long;
}

/// `struct kuid_kmod_results` of include/kuid_kmod.h.
#[repr(C)]
pub struct Results {
    roundtrip: u32,
    uid_eq: u32,
    refcount: u32,
    released: u32,
    locked_sum: u32,
    err_ptr: i64,
}

/// Runs the checks the module's init prints: each value comes from Rust code calling helpers.
///
/// # Safety
/// `ns` is a user namespace, `lock` an initialized spinlock_t, `refcount` a refcount_t and
/// `out` writable, as the module glue passes them.
#[no_mangle]
pub unsafe extern "C" fn kuid_kmod_selftest(ns: *mut c_void, lock: *mut c_void, refcount: *mut c_void, out: *mut Results) {
    let kuid = rust_helper_make_kuid(ns, 1000);
    let roundtrip = rust_helper_from_kuid(ns, kuid);
    let uid_eq = rust_helper_uid_eq(kuid, rust_helper_make_kuid(ns, roundtrip)) as u32;

    rust_helper_refcount_set(refcount, 1);
    rust_helper_refcount_inc(refcount);
    let count = rust_helper_refcount_read(refcount);
    let first = rust_helper_refcount_dec_and_test(refcount);
    let last = rust_helper_refcount_dec_and_test(refcount);
    let released = (!first && last) as u32;

    let mut locked_sum = 0;
    for i in 1..=3 {
        rust_helper_spin_lock(lock);
        locked_sum += i;
        rust_helper_spin_unlock(lock);
    }

    let err = rust_helper_ERR_PTR(-12);
    let err_ptr = if rust_helper_IS_ERR(err) { rust_helper_PTR_ERR(err) as i64 } else { 0 };

    out.write(Results { roundtrip, uid_eq, refcount: count, released, locked_sum, err_ptr });
}
