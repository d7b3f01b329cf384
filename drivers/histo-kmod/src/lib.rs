//! histo-kmod: a Linux module's Rust code that indexes slices (bounds checks: core's panic
//! path) and allocates (a `Vec`, kmalloc through the plugin's kernel runtime), built
//! self-contained: the object carries the core/alloc code it uses, compiled as kernel code.
#![no_std]

extern crate alloc;
// The plugin's runtime: panics go to the kernel (pr_emerg + BUG()), allocations to kmalloc.
extern crate local_lto_rt;

use alloc::vec::Vec;

extern "C" {
    fn rust_helper_swab32(x: u32) -> u32;
    fn rust_helper_rol32(word: u32, shift: u32) -> u32;
}

/// `struct histo_kmod_results` of include/histo_kmod.h.
#[repr(C)]
pub struct Results {
    samples: u32,
    buckets: [u32; 4],
    median: u32,
    checksum: u32,
    probe: u32,
}

/// Byte value to bucket: four buckets of 64 values each.
fn bucket(b: u8) -> usize {
    (b >> 6) as usize
}

fn median(data: &[u8]) -> u32 {
    let mut sorted: Vec<u8> = data.to_vec();
    sorted.sort_unstable();
    sorted[sorted.len() / 2] as u32
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |acc, c| {
        let word = c.iter().fold(0u32, |w, &b| (w << 8) | b as u32);
        unsafe { rust_helper_rol32(acc, 5) ^ rust_helper_swab32(word) }
    })
}

/// Runs what the module's init prints. `probe` comes from a module parameter: `data[probe]`
/// out of range is a Rust panic, which ends in the kernel's BUG().
///
/// # Safety
/// `data` points to `len` readable bytes, `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn histo_kmod_run(data: *const u8, len: usize, probe: usize, out: *mut Results) {
    let data = core::slice::from_raw_parts(data, len);
    let mut buckets = [0u32; 4];
    for &b in data {
        buckets[bucket(b)] += 1;
    }
    out.write(Results {
        samples: data.len() as u32,
        buckets,
        median: median(data),
        checksum: checksum(data),
        probe: data[probe] as u32,
    });
}
