#!/usr/bin/env bash
# Installs what the workspace needs on a fresh Debian machine, and nothing when it is all
# there: the LLVM tools of rustc's LLVM major (clang, lld, llvm), lld-14 (the old linker
# the version-skew test needs), liburing-dev (uring-nop), libaio-dev (the bindings test),
# libclang of rustc's LLVM major and bindgen-cli (header bindings), rust-analyzer and the
# Rust library source (Debian's rust-web-analyzer, rust-web-src: the IDE test), and the npm
# packages.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v rustc >/dev/null; then
  echo "setup: rustc is not installed; install Rust with rustup (https://rustup.rs) and rerun." >&2
  exit 1
fi
major=$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
if [ -z "$major" ]; then
  echo "setup: 'rustc -vV' reports no LLVM version; a rustc built with LLVM is required." >&2
  exit 1
fi

need=()
command -v "clang-$major" >/dev/null || need+=("clang-$major")
command -v "ld.lld-$major" >/dev/null || need+=("lld-$major")
command -v "llvm-link-$major" >/dev/null || need+=("llvm-$major")
command -v ld.lld-14 >/dev/null || need+=("lld-14")
[ -f /usr/include/liburing.h ] || need+=("liburing-dev")
[ -f /usr/include/libaio.h ] || need+=("libaio-dev")
# bindgen loads libclang at run time (clang-sys finds /usr/lib/llvm-M/lib/libclang-M.so.1):
# libclang1-M is enough, no -dev package and no LIBCLANG_PATH (checked with bindgen 0.73.2).
compgen -G "/usr/lib/llvm-$major/lib/libclang-$major.so*" >/dev/null || need+=("libclang1-$major")
# rust-analyzer for the IDE test (rustup's component needs the network): Debian 12 ships it
# as rust-web-analyzer (/usr/bin/rust-analyzer), and the standard library's source, which
# it needs to resolve core, as rust-web-src (/usr/src/rustc-<version>/library).
ide=()
[ -x /usr/bin/rust-analyzer ] || ide+=("rust-web-analyzer")
compgen -G "$(rustc --print sysroot)/lib/rustlib/src/rust/library/core" >/dev/null \
  || compgen -G "/usr/src/rustc-*/library/core" >/dev/null || ide+=("rust-web-src")
if [ ${#need[@]} -gt 0 ] || [ ${#ide[@]} -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "${need[@]}"
fi
if [ ${#ide[@]} -gt 0 ]; then
  echo "setup: installing Debian packages for rust-analyzer: ${ide[*]}"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${ide[@]}" \
    || echo "setup: ${ide[*]} not installable here; the rust-analyzer test will fail (see README, IDE support)" >&2
fi

# QEMU, busybox, cpio, kmod, Debian's kernel headers and the kernel image of their ABI: the
# kernel modules' VM test (scripts/setup-kernel.sh, quiet when all is there).
bash scripts/setup-kernel.sh

# bindgen-cli, pinned (header bindings, the `bindgen` target): ~3 min to build, once.
bindgen_version=0.73.2
if [ "$(bindgen --version 2>/dev/null)" != "bindgen $bindgen_version" ]; then
  echo "setup: installing bindgen-cli $bindgen_version (cargo install)"
  cargo install bindgen-cli --locked --version "$bindgen_version"
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi

# The compiled plugin: bin/toolchain-id.js (the cache inputs' tool identity) loads it instead
# of the TypeScript sources while it is up to date, ~1 s less per call.
node scripts/build-plugin.js >/dev/null

# Cargo-based drivers (a Cargo.toml beside local-lto.json) build with --locked from the Cargo
# workspace at the root (Cargo.toml, Cargo.lock); fetch the locked crates.io dependencies
# once so later builds need no network.
if [ -f Cargo.lock ]; then
  cargo fetch --locked -q
fi
