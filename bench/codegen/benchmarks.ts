/**
 * The helper-call benchmarks: for each, a driver (Rust crate + C helpers, built by the
 * plugin like any driver) whose exported Rust function runs the hot loop through the
 * helpers, and one C main that either calls that function or, with -DC_INLINE, runs the
 * same loop in C on the `static inline` functions directly. The iteration count comes from
 * argv and the result is printed, so no build can fold the loop away; every variant must
 * print the same line.
 */

export interface Benchmark {
  /** Short name: project `bench-<name>`, crate `bench_<name>`. */
  name: string;
  description: string;
  /** c-library projects of this repository the driver uses (copied into the scratch workspace). */
  libs: string[];
  /** Files of the driver project, relative to its folder. */
  files: Record<string, string>;
  /** The driver's local-lto.json fields besides kind and name. */
  manifest: { sources: string[]; includeDirs: string[]; libs: string[] };
  /** C main (bench/<name>/main.c in the scratch workspace). */
  main: string;
  /** Extra libraries for the final link. */
  linkLibs: string[];
  /** The function the Rust crate exports and the C main calls. */
  entry: string;
  /** What one iteration is (for the table). */
  unit: string;
  /** Iterations in --quick mode. */
  quickIterations: number;
}

const RUST_HELPER_MACRO = `#ifndef __rust_helper
#define __rust_helper __attribute__((__always_inline__))
#endif`;

const MAIN_HEAD = `#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>`;

const compute: Benchmark = {
  name: 'compute',
  entry: 'bench_compute_run',
  description: 'pure-compute helper (xorshift-multiply hash of a u32) summed in a hot loop',
  libs: [],
  unit: 'helper call',
  quickIterations: 200000,
  manifest: { sources: ['helpers/bench_compute_helpers.c'], includeDirs: ['include'], libs: [] },
  files: {
    'include/bench_compute.h': `/* SPDX-License-Identifier: MIT */
#ifndef BENCH_COMPUTE_H
#define BENCH_COMPUTE_H
#include <stdint.h>
${RUST_HELPER_MACRO}

/* A pure function Rust cannot call directly: it is static inline. */
static inline uint32_t mix_inline(uint32_t v)
{
	v ^= v >> 15;
	v *= 0x2c1b3c6du;
	v ^= v >> 12;
	v *= 0x297a2d39u;
	return v ^ (v >> 15);
}

uint32_t rust_helper_mix(uint32_t v);
uint32_t bench_compute_run(uint64_t n, uint32_t seed);
#endif
`,
    'helpers/bench_compute_helpers.c': `// SPDX-License-Identifier: MIT
#include "bench_compute.h"

__rust_helper uint32_t rust_helper_mix(uint32_t v) { return mix_inline(v); }
`,
    'src/lib.rs': `// SPDX-License-Identifier: MIT
//! Benchmark driver: a hot loop over a pure C helper.
#![no_std]

extern "C" {
    fn rust_helper_mix(v: u32) -> u32;
}

#[inline]
pub fn mix(v: u32) -> u32 {
    unsafe { rust_helper_mix(v) }
}

/// Sum of mix(i ^ seed) for i in 0..n (wrapping).
#[no_mangle]
pub extern "C" fn bench_compute_run(n: u64, seed: u32) -> u32 {
    let mut acc = 0u32;
    let mut i = 0u64;
    while i < n {
        acc = acc.wrapping_add(mix((i as u32) ^ seed));
        i += 1;
    }
    acc
}
`,
  },
  main: `${MAIN_HEAD}
#include "bench_compute.h"

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000;
	volatile uint32_t seed_source = 0x5eedu;
	uint32_t seed = seed_source;
#ifdef C_INLINE
	uint32_t acc = 0;
	for (uint64_t i = 0; i < n; i++)
		acc += mix_inline((uint32_t)i ^ seed);
#else
	uint32_t acc = bench_compute_run(n, seed);
#endif
	printf("compute %llu %u\\n", (unsigned long long)n, acc);
	return 0;
}
`,
  linkLibs: [],
};

const refcount: Benchmark = {
  name: 'refcount',
  entry: 'bench_refcount_run',
  description: 'atomic refcount_inc + refcount_dec_and_test (libs/kernel-helpers) per iteration',
  libs: ['kernel-helpers'],
  unit: 'inc + dec_and_test',
  quickIterations: 100000,
  manifest: { sources: [], includeDirs: [], libs: ['kernel-helpers'] },
  files: {
    'src/lib.rs': `// SPDX-License-Identifier: MIT
//! Benchmark driver: take and drop a reference through the kernel-helpers refcount helpers.
#![no_std]

use core::cell::UnsafeCell;

/// \`refcount_t\`, changed only through the helpers' atomics.
#[repr(C)]
pub struct Refcount {
    refs: UnsafeCell<i32>,
}

extern "C" {
    fn rust_helper_refcount_inc(r: *mut Refcount);
    fn rust_helper_refcount_dec_and_test(r: *mut Refcount) -> bool;
    fn rust_helper_refcount_read(r: *const Refcount) -> u32;
}

impl Refcount {
    #[inline]
    pub fn inc(&self) {
        unsafe { rust_helper_refcount_inc(self as *const Refcount as *mut Refcount) }
    }
    #[inline]
    pub fn dec_and_test(&self) -> bool {
        unsafe { rust_helper_refcount_dec_and_test(self as *const Refcount as *mut Refcount) }
    }
    #[inline]
    pub fn read(&self) -> u32 {
        unsafe { rust_helper_refcount_read(self) }
    }
}

/// n times: take a reference and drop it; returns drops that hit zero * 2^32 + the final count.
#[no_mangle]
pub extern "C" fn bench_refcount_run(r: &Refcount, n: u64) -> u64 {
    let mut zero = 0u64;
    let mut i = 0u64;
    while i < n {
        r.inc();
        if r.dec_and_test() {
            zero += 1;
        }
        i += 1;
    }
    (zero << 32) | r.read() as u64
}
`,
  },
  main: `${MAIN_HEAD}
#include "kernel_helpers.h"

uint64_t bench_refcount_run(refcount_t *r, uint64_t n);

static refcount_t counter;

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000;
	refcount_set(&counter, 1);
#ifdef C_INLINE
	uint64_t zero = 0;
	for (uint64_t i = 0; i < n; i++) {
		refcount_inc(&counter);
		if (refcount_dec_and_test(&counter))
			zero++;
	}
	uint64_t result = (zero << 32) | refcount_read(&counter);
#else
	uint64_t result = bench_refcount_run(&counter, n);
#endif
	printf("refcount %llu %llu\\n", (unsigned long long)n, (unsigned long long)result);
	return 0;
}
`,
  linkLibs: [],
};

const kuid: Benchmark = {
  name: 'kuid',
  entry: 'bench_kuid_run',
  description: 'make_kuid/make_kgid + uid_valid + from_kuid/from_kgid (libs/kernel-helpers) per id',
  libs: ['kernel-helpers'],
  unit: 'id mapped both ways (5 helper calls)',
  quickIterations: 100000,
  manifest: { sources: [], includeDirs: [], libs: ['kernel-helpers'] },
  files: {
    'src/lib.rs': `// SPDX-License-Identifier: MIT
//! Benchmark driver: kuid/kgid conversions through the kernel-helpers helpers.
#![no_std]

#[repr(C)]
pub struct UidGidExtent {
    pub first: u32,
    pub lower_first: u32,
    pub count: u32,
}

#[repr(C)]
pub struct UserNamespace {
    pub uid_map: UidGidExtent,
    pub gid_map: UidGidExtent,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Kuid {
    val: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Kgid {
    val: u32,
}

extern "C" {
    fn rust_helper_make_kuid(ns: *const UserNamespace, uid: u32) -> Kuid;
    fn rust_helper_make_kgid(ns: *const UserNamespace, gid: u32) -> Kgid;
    fn rust_helper_from_kuid(ns: *const UserNamespace, kuid: Kuid) -> u32;
    fn rust_helper_from_kgid(ns: *const UserNamespace, kgid: Kgid) -> u32;
    fn rust_helper_uid_valid(uid: Kuid) -> bool;
}

impl Kuid {
    #[inline]
    pub fn from_raw_in(ns: &UserNamespace, uid: u32) -> Self {
        unsafe { rust_helper_make_kuid(ns, uid) }
    }
    #[inline]
    pub fn into_raw_in(self, ns: &UserNamespace) -> u32 {
        unsafe { rust_helper_from_kuid(ns, self) }
    }
    #[inline]
    pub fn is_valid(self) -> bool {
        unsafe { rust_helper_uid_valid(self) }
    }
}

impl Kgid {
    #[inline]
    pub fn from_raw_in(ns: &UserNamespace, gid: u32) -> Self {
        unsafe { rust_helper_make_kgid(ns, gid) }
    }
    #[inline]
    pub fn into_raw_in(self, ns: &UserNamespace) -> u32 {
        unsafe { rust_helper_from_kgid(ns, self) }
    }
}

/// Maps ids 0..n into the kernel and back; sums what comes back (wrapping).
#[no_mangle]
pub extern "C" fn bench_kuid_run(ns: &UserNamespace, n: u64) -> u32 {
    let mut acc = 0u32;
    let mut i = 0u64;
    while i < n {
        let id = i as u32;
        let uid = Kuid::from_raw_in(ns, id);
        if uid.is_valid() {
            acc = acc.wrapping_add(uid.into_raw_in(ns));
        }
        acc = acc.wrapping_add(Kgid::from_raw_in(ns, id).into_raw_in(ns));
        i += 1;
    }
    acc
}
`,
  },
  main: `${MAIN_HEAD}
#include "kernel_helpers.h"

uint32_t bench_kuid_run(const struct user_namespace *ns, uint64_t n);

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000;
	volatile uint32_t base = 1000;
	struct user_namespace ns = {
		.uid_map = { .first = 0, .lower_first = base * 100, .count = base * 50 },
		.gid_map = { .first = base, .lower_first = base * 200, .count = base * 30 },
	};
#ifdef C_INLINE
	uint32_t acc = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint32_t id = (uint32_t)i;
		kuid_t uid = make_kuid(&ns, id);
		if (uid_valid(uid))
			acc += from_kuid(&ns, uid);
		acc += from_kgid(&ns, make_kgid(&ns, id));
	}
#else
	uint32_t acc = bench_kuid_run(&ns, n);
#endif
	printf("kuid %llu %u\\n", (unsigned long long)n, acc);
	return 0;
}
`,
  linkLibs: [],
};

const uring: Benchmark = {
  name: 'uring',
  entry: 'bench_uring_prep',
  description: 'liburing io_uring_get_sqe + io_uring_prep_nop + io_uring_sqe_set_data64 for a 256-entry batch; ring set up once, nothing submitted',
  libs: [],
  unit: 'batch of 256 SQEs',
  quickIterations: 1000,
  manifest: { sources: ['helpers/bench_uring_helpers.c'], includeDirs: ['include'], libs: [] },
  files: {
    'include/bench_uring.h': `/* SPDX-License-Identifier: MIT */
#ifndef BENCH_URING_H
#define BENCH_URING_H
#include <liburing.h>
#include <stdint.h>
${RUST_HELPER_MACRO}

/* Helpers over liburing's static inline functions (as drivers/uring-nop). */
struct io_uring_sqe *rust_helper_io_uring_get_sqe(struct io_uring *ring);
void rust_helper_io_uring_prep_nop(struct io_uring_sqe *sqe);
void rust_helper_io_uring_sqe_set_data64(struct io_uring_sqe *sqe, uint64_t data);

uint32_t bench_uring_prep(struct io_uring *ring, uint32_t n, uint64_t first_data);
#endif
`,
    'helpers/bench_uring_helpers.c': `// SPDX-License-Identifier: MIT
#include "bench_uring.h"

__rust_helper struct io_uring_sqe *rust_helper_io_uring_get_sqe(struct io_uring *ring) { return io_uring_get_sqe(ring); }
__rust_helper void rust_helper_io_uring_prep_nop(struct io_uring_sqe *sqe) { io_uring_prep_nop(sqe); }
__rust_helper void rust_helper_io_uring_sqe_set_data64(struct io_uring_sqe *sqe, uint64_t data) { io_uring_sqe_set_data64(sqe, data); }
`,
    'src/lib.rs': `// SPDX-License-Identifier: MIT
//! Benchmark driver: prepare a batch of NOP submissions through liburing helpers.
#![no_std]

#[repr(C)]
pub struct IoUring {
    _opaque: [u8; 0],
}

#[repr(C)]
pub struct Sqe {
    _opaque: [u8; 0],
}

extern "C" {
    fn rust_helper_io_uring_get_sqe(ring: *mut IoUring) -> *mut Sqe;
    fn rust_helper_io_uring_prep_nop(sqe: *mut Sqe);
    fn rust_helper_io_uring_sqe_set_data64(sqe: *mut Sqe, data: u64);
}

/// Prepares up to \`n\` NOPs with user data first_data, first_data + 1, ...; returns how many.
///
/// # Safety
/// \`ring\` must be a ring set up by io_uring_queue_init.
#[no_mangle]
pub unsafe extern "C" fn bench_uring_prep(ring: *mut IoUring, n: u32, first_data: u64) -> u32 {
    let mut queued = 0u32;
    while queued < n {
        let sqe = rust_helper_io_uring_get_sqe(ring);
        if sqe.is_null() {
            break;
        }
        rust_helper_io_uring_prep_nop(sqe);
        rust_helper_io_uring_sqe_set_data64(sqe, first_data.wrapping_add(queued as u64));
        queued += 1;
    }
    queued
}
`,
  },
  main: `${MAIN_HEAD}
#include <string.h>
#include "bench_uring.h"

#define ENTRIES 256

int main(int argc, char **argv)
{
	uint64_t batches = argc > 1 ? strtoull(argv[1], NULL, 10) : 100;
	struct io_uring ring;
	int err = io_uring_queue_init(ENTRIES, &ring, 0);
	if (err < 0) {
		fprintf(stderr, "uring bench: io_uring_queue_init: %s\\n", strerror(-err));
		return 2;
	}
	uint64_t total = 0;
	for (uint64_t b = 0; b < batches; b++) {
		/* Drop the previous batch unsubmitted: the SQ tail goes back to the kernel's head (no syscall). */
		ring.sq.sqe_tail = *ring.sq.khead;
#ifdef C_INLINE
		uint32_t queued = 0;
		while (queued < ENTRIES) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			if (!sqe)
				break;
			io_uring_prep_nop(sqe);
			io_uring_sqe_set_data64(sqe, b * ENTRIES + queued);
			queued++;
		}
#else
		uint32_t queued = bench_uring_prep(&ring, ENTRIES, b * ENTRIES);
#endif
		total += queued;
	}
	uint64_t check = 0;
	for (unsigned i = 0; i < ENTRIES; i++)
		check += ring.sq.sqes[i].user_data ^ ring.sq.sqes[i].opcode;
	io_uring_queue_exit(&ring);
	printf("uring %llu %llu %llu\\n", (unsigned long long)batches, (unsigned long long)total, (unsigned long long)check);
	return 0;
}
`,
  linkLibs: ['uring'],
};

export const BENCHMARKS: Benchmark[] = [compute, refcount, kuid, uring];
