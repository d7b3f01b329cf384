#!/usr/bin/env bash
# What the kernel modules' VM test needs, installed only when missing (quiet otherwise):
# QEMU (TCG: KVM does not work on these machines), busybox-static and cpio for the initramfs,
# kmod (modinfo: a module's name, to unload it),
# Debian's kernel headers (linux-headers-amd64), and the kernel image of the same ABI.
# The image comes from `apt-get download linux-image-<abi>-unsigned`, never installed (the
# package pulls udev and systemd); only boot/vmlinuz-<abi> is kept, plus its uncompressed
# vmlinux (booted through its PVH entry: about half the bzImage's boot time under TCG).
# Cache: $LOCAL_LTO_KERNEL_CACHE, default /var/cache/nx-local-lto/kernels/<abi>/ (outside
# the workspace, shared by every clone); src/kernel/kernel-image.ts reads the same place.
set -euo pipefail

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

need=()
command -v qemu-system-x86_64 >/dev/null || need+=("qemu-system-x86")
# grep reads all of the list (no -q): stopping early would SIGPIPE busybox and fail the pipe under pipefail.
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -x insmod >/dev/null || need+=("busybox-static")
command -v cpio >/dev/null || need+=("cpio")
command -v xz >/dev/null || need+=("xz-utils")
[ -x /sbin/modinfo ] || [ -x /usr/sbin/modinfo ] || need+=("kmod")
dpkg-query -W -f='${Status}' linux-headers-amd64 2>/dev/null | grep -q 'ok installed' || need+=("linux-headers-amd64")
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-kernel: installing Debian packages: ${need[*]}"
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# The ABI of the installed headers, from the metapackage's dependency (it changes with
# Debian's updates): "linux-headers-6.1.0-57-amd64 (= 6.1.192-3)".
dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 | tr ',' '\n' | sed -n 's/^ *\(linux-headers-[^ ]*-amd64\) *(= *\([^)]*\)).*/\1 \2/p' | head -n1)
if [ -z "$dep" ]; then
  echo "setup-kernel: cannot read the headers package from linux-headers-amd64's dependencies" >&2
  exit 1
fi
headers=${dep% *}
version=${dep#* }
abi=${headers#linux-headers-}
tree=/usr/src/$headers
if [ ! -f "$tree/include/generated/utsrelease.h" ]; then
  echo "setup-kernel: $tree has no include/generated/utsrelease.h; reinstall $headers" >&2
  exit 1
fi

cache=${LOCAL_LTO_KERNEL_CACHE:-/var/cache/nx-local-lto/kernels}
dir=$cache/$abi
[ -s "$dir/vmlinuz" ] && [ -s "$dir/vmlinux" ] && exit 0

echo "setup-kernel: fetching the kernel image of $abi (linux-image-$abi-unsigned=$version, ~70 MB, not installed)"
if [ ! -d "$cache" ]; then
  "${sudo[@]}" mkdir -p "$cache"
  [ "$(id -u)" -eq 0 ] || "${sudo[@]}" chown "$(id -u):$(id -g)" "$cache"
fi
work=$(mktemp -d "$cache/.fetch-XXXXXX")
trap 'rm -rf "$work"' EXIT
package=linux-image-$abi-unsigned
if ! (cd "$work" && apt-get download -q "$package=$version" >/dev/null 2>"$work/apt.err"); then
  "${sudo[@]}" apt-get update -q
  (cd "$work" && apt-get download -q "$package=$version" >/dev/null)
fi
deb=$(ls "$work"/*.deb)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" "./boot/vmlinuz-$abi"
# The bzImage's payload is xz: decompress from its magic (FD 37 7A 58 5A 00); the bytes after
# the stream are the setup's trailer, which xz reports as trailing garbage (exit 1 with -q).
offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$work/boot/vmlinuz-$abi" | head -n1 | cut -d: -f1)
if [ -z "$offset" ]; then
  echo "setup-kernel: no xz payload in boot/vmlinuz-$abi; only the bzImage will be booted" >&2
else
  tail -c +"$((offset + 1))" "$work/boot/vmlinuz-$abi" | xz -dcq >"$work/vmlinux" 2>/dev/null || true
  if ! head -c 4 "$work/vmlinux" | grep -q 'ELF'; then
    echo "setup-kernel: the xz payload of boot/vmlinuz-$abi is not an ELF vmlinux" >&2
    exit 1
  fi
fi
mkdir -p "$dir"
mv "$work/boot/vmlinuz-$abi" "$dir/vmlinuz"
[ -s "$work/vmlinux" ] && mv "$work/vmlinux" "$dir/vmlinux"
echo "setup-kernel: kernel image of $abi in $dir"
