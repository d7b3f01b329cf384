// SPDX-License-Identifier: MIT
//! bitset-user: a userspace driver with ordinary Rust in it: a growable table (`Vec`,
//! `Box`) of permission sets (`bitflags` from crates.io), indexed slices that panic when
//! out of range. Built through cargo; the object carries what it uses from core and alloc,
//! and allocates with malloc and panics through `local_lto_panic` by the plugin's defaults
//! (crate `local-lto-rt`).
#![no_std]

extern crate alloc;
extern crate local_lto_rt;

use alloc::boxed::Box;
use alloc::vec::Vec;

bitflags::bitflags! {
    /// One entry's permissions.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Perm: u32 {
        const READ = 1 << 0;
        const WRITE = 1 << 1;
        const EXEC = 1 << 2;
    }
}

mod bindings {
    extern "C" {
        pub fn rust_helper_popcount32(x: u32) -> u32;
        pub fn rust_helper_clamp_bits(bits: u32, allowed: u32) -> u32;
    }
}

/// Set bits over any slice of values that widen to `u32`: a generic caller of a helper,
/// instantiated for `u32` entries and for `u8` masks.
fn total_bits<T: Copy + Into<u32>>(items: &[T]) -> u32 {
    items.iter().map(|&x| unsafe { bindings::rust_helper_popcount32(x.into()) }).sum()
}

/// The table behind the C handle.
pub struct PermTable {
    entries: Vec<Perm>,
}

/// A new, empty table; free it with `bitset_table_free`.
#[no_mangle]
pub extern "C" fn bitset_table_new() -> *mut PermTable {
    Box::into_raw(Box::new(PermTable { entries: Vec::new() }))
}

/// Appends `bits` (unknown bits dropped) and returns the entry's index.
///
/// # Safety
/// `table` comes from `bitset_table_new` and is not freed.
#[no_mangle]
pub unsafe extern "C" fn bitset_table_push(table: *mut PermTable, bits: u32) -> u32 {
    let table = &mut *table;
    let kept = bindings::rust_helper_clamp_bits(bits, Perm::all().bits());
    table.entries.push(Perm::from_bits_truncate(kept));
    (table.entries.len() - 1) as u32
}

/// The bits of entry `index`. An index past the end panics (slice indexing).
///
/// # Safety
/// `table` comes from `bitset_table_new` and is not freed.
#[no_mangle]
pub unsafe extern "C" fn bitset_table_get(table: *const PermTable, index: u32) -> u32 {
    let entries: &[Perm] = &(*table).entries;
    entries[index as usize].bits()
}

/// Number of set permission bits over all entries.
///
/// # Safety
/// `table` comes from `bitset_table_new` and is not freed.
#[no_mangle]
pub unsafe extern "C" fn bitset_table_count(table: *const PermTable) -> u32 {
    let bits: Vec<u32> = (*table).entries.iter().map(|p| p.bits()).collect();
    total_bits(&bits)
}

/// Set bits in `len` bytes at `masks` (the generic helper caller at another type).
///
/// # Safety
/// `masks` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn bitset_mask_bits(masks: *const u8, len: usize) -> u32 {
    total_bits(core::slice::from_raw_parts(masks, len))
}

/// Frees a table from `bitset_table_new` (null is ignored).
///
/// # Safety
/// `table` comes from `bitset_table_new` and is not used again.
#[no_mangle]
pub unsafe extern "C" fn bitset_table_free(table: *mut PermTable) {
    if !table.is_null() {
        drop(Box::from_raw(table));
    }
}
