/* SPDX-License-Identifier: MIT */
#ifndef RUST_HELPER_H
#define RUST_HELPER_H

/*
 * Marks a helper that exists only to be called from Rust and inlined there by local LTO.
 * Always-inline, as the kernel's __rust_helper under CONFIG_RUST_INLINE_HELPERS: this
 * keeps the helper inlinable when kernel C flags (-ffreestanding,
 * -fno-delete-null-pointer-checks) give it attributes the Rust caller lacks.
 */
#define __rust_helper __attribute__((__always_inline__))

#endif
