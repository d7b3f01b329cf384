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

/// Panics reach the profile's panic path with a message. With feature `panic-message`
/// (default) it is the full text and location, formatted into a stack buffer (cut at
/// `PANIC_MESSAGE_MAX` bytes; core's formatting code comes with it, a few KiB); without it,
/// a literal `panic!("...")` message or else the source file, without formatting code.
#[cfg(feature = "panic-handler")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    #[cfg(feature = "panic-message")]
    {
        let mut buf = message::Buffer::new();
        let _ = core::fmt::write(&mut buf, format_args!("{info}"));
        let text = buf.as_bytes();
        unsafe { local_lto_rt_panic(text.as_ptr(), text.len()) }
    }
    #[cfg(not(feature = "panic-message"))]
    {
        let msg = match info.message().as_str() {
            Some(s) => s,
            None => info.location().map_or("panic", |l| l.file()),
        };
        unsafe { local_lto_rt_panic(msg.as_ptr(), msg.len()) }
    }
}

/// Longest panic message passed on (bytes); longer ones are cut.
pub const PANIC_MESSAGE_MAX: usize = 256;

#[cfg(all(feature = "panic-handler", feature = "panic-message"))]
mod message {
    /// A fixed buffer that keeps what fits: formatting never fails and never allocates.
    pub struct Buffer {
        bytes: [u8; super::PANIC_MESSAGE_MAX],
        len: usize,
    }

    impl Buffer {
        pub fn new() -> Self {
            Buffer { bytes: [0; super::PANIC_MESSAGE_MAX], len: 0 }
        }
        pub fn as_bytes(&self) -> &[u8] {
            &self.bytes[..self.len]
        }
    }

    impl core::fmt::Write for Buffer {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            let n = s.len().min(self.bytes.len() - self.len);
            self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
            self.len += n;
            Ok(())
        }
    }
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
