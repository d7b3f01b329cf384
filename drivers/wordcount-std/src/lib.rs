// SPDX-License-Identifier: MIT
//! wordcount-std: a userspace driver written against `std` (the `user` profile's third
//! level after `core` and `alloc`): `String`, `format!`, `HashMap` with std's random
//! hasher, `std::io::Write`. Built through cargo to one object that carries the std code it
//! uses; the final link (plain `cc`) only needs the C library. Panics go through std's
//! panic hook (message on stderr), then `abort()` (panic=abort).

use std::collections::HashMap;
use std::io::Write;

mod bindings {
    extern "C" {
        pub fn rust_helper_fold_byte(c: u8) -> u8;
    }
}

/// The word counts behind the C handle.
pub struct WordCount {
    counts: HashMap<String, u32>,
}

impl WordCount {
    /// Counts, most frequent first (ties by word), as std sorts them.
    fn ranked(&self) -> Vec<(&str, u32)> {
        let mut v: Vec<(&str, u32)> = self.counts.iter().map(|(w, &n)| (w.as_str(), n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v
    }
}

fn fold(word: &str) -> String {
    let bytes: Vec<u8> = word.bytes().map(|b| unsafe { bindings::rust_helper_fold_byte(b) }).collect();
    String::from_utf8(bytes).expect("ASCII folding keeps UTF-8")
}

/// A new, empty count; free it with `wordcount_free`.
#[no_mangle]
pub extern "C" fn wordcount_new() -> *mut WordCount {
    Box::into_raw(Box::new(WordCount { counts: HashMap::new() }))
}

/// Counts the words of `len` bytes at `text`; -1 when they are not UTF-8.
///
/// # Safety
/// `wc` comes from `wordcount_new`; `text` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn wordcount_add(wc: *mut WordCount, text: *const u8, len: usize) -> i32 {
    let Ok(text) = std::str::from_utf8(std::slice::from_raw_parts(text, len)) else { return -1 };
    let wc = &mut *wc;
    let mut n = 0;
    for word in text.split_whitespace() {
        *wc.counts.entry(fold(word)).or_insert(0) += 1;
        n += 1;
    }
    n
}

/// How often `word` (folded) was counted.
///
/// # Safety
/// `wc` comes from `wordcount_new`; `word` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn wordcount_get(wc: *const WordCount, word: *const u8, len: usize) -> u32 {
    let word = String::from_utf8_lossy(std::slice::from_raw_parts(word, len));
    (*wc).counts.get(&fold(&word)).copied().unwrap_or(0)
}

/// Writes a summary made with `format!` into `buf` through `std::io::Write`; returns the bytes written.
///
/// # Safety
/// `wc` comes from `wordcount_new`; `buf` points to `cap` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn wordcount_summary(wc: *const WordCount, buf: *mut u8, cap: usize) -> usize {
    let wc = &*wc;
    let top = match wc.ranked().first() {
        Some((w, n)) => format!("top {w}={n}"),
        None => String::from("empty"),
    };
    let mut out: &mut [u8] = std::slice::from_raw_parts_mut(buf, cap);
    let before = out.len();
    let _ = write!(out, "{} distinct, {}", wc.counts.len(), top);
    before - out.len()
}

/// The count of the `rank`-th most frequent word; a rank past the end panics (slice indexing).
///
/// # Safety
/// `wc` comes from `wordcount_new`.
#[no_mangle]
pub unsafe extern "C" fn wordcount_rank(wc: *const WordCount, rank: u32) -> u32 {
    (*wc).ranked()[rank as usize].1
}

/// Frees a count from `wordcount_new` (null is ignored).
///
/// # Safety
/// `wc` comes from `wordcount_new` and is not used again.
#[no_mangle]
pub unsafe extern "C" fn wordcount_free(wc: *mut WordCount) {
    if !wc.is_null() {
        drop(Box::from_raw(wc));
    }
}
