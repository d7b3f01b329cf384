// SPDX-License-Identifier: MIT
//! Default runtime of an nx-local-lto driver (`#![no_std]`, with or without `alloc`).
//! Rust only decides *what* to call; the C functions below are defined by the plugin's
//! runtime C for the driver's profile (`runtime/c/<profile>/local_lto_rt.c`), compiled and
//! inlined into the object like any helper, so a profile picks where panics and
//! allocations go without a change here.
#![no_std]

extern "C" {
    /// Never returns: the profile's panic path (user: the driver user's
    /// `local_lto_panic(msg, len)` if linked, then `abort()`).
    fn local_lto_rt_panic(msg: *const u8, len: usize) -> !;
    fn local_lto_rt_alloc(size: usize, align: usize) -> *mut u8;
    fn local_lto_rt_alloc_zeroed(size: usize, align: usize) -> *mut u8;
    fn local_lto_rt_realloc(ptr: *mut u8, old_size: usize, align: usize, new_size: usize) -> *mut u8;
    fn local_lto_rt_free(ptr: *mut u8, size: usize, align: usize);
}

/// The panic message when it is a plain string (`panic!("literal")`, bounds checks give a
/// formatted one, named by its location instead), without formatting machinery.
#[cfg(feature = "panic-handler")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let msg = match info.message().as_str() {
        Some(s) => s,
        None => info.location().map_or("panic", |l| l.file()),
    };
    unsafe { local_lto_rt_panic(msg.as_ptr(), msg.len()) }
}

/// `GlobalAlloc` over the profile's C allocator (user: `malloc`/`free`).
pub struct ProfileAllocator;

unsafe impl core::alloc::GlobalAlloc for ProfileAllocator {
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        local_lto_rt_alloc(layout.size(), layout.align())
    }
    unsafe fn alloc_zeroed(&self, layout: core::alloc::Layout) -> *mut u8 {
        local_lto_rt_alloc_zeroed(layout.size(), layout.align())
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: core::alloc::Layout, new_size: usize) -> *mut u8 {
        local_lto_rt_realloc(ptr, layout.size(), layout.align(), new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: core::alloc::Layout) {
        local_lto_rt_free(ptr, layout.size(), layout.align())
    }
}

#[cfg(feature = "global-allocator")]
#[global_allocator]
static ALLOCATOR: ProfileAllocator = ProfileAllocator;
