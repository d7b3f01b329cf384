#!/bin/sh
# SPDX-License-Identifier: MIT
# tool-id.sh TOOL...: the identity of the tools a command target runs, for one Nx `runtime`
# cache input. For each tool (a path, or a name on PATH): where the shell finds it, then its own
# version text (rustc -vV; rust-lld -flavor gnu --version; else --version). The text is
# remembered in the user's cache folder by the file's identity (device, inode, size, mtime,
# ctime to the nanosecond), so hashing a task costs a stat, not a tool start (Nx runs the input for each task it
# hashes). A file with several links is always asked: rustup's proxies are links to rustup and
# answer for whichever toolchain it picks. A tool that is not found or does not run prints
# random bytes, so its key never matches: the task runs and the tool's own error shows.
cache="${XDG_CACHE_HOME:-$HOME/.cache}/nx-local-lto/tool-ids"
fail() { od -An -N16 -tx1 /dev/urandom; exit 1; }
for tool in "$@"; do
  path=$(command -v "$tool") || fail
  id=$(stat -Lc '%d.%i.%s.%.9Y.%.9Z.%h' "$path") || fail
  case ${path##*/} in
    rustc*) set -- -vV; kind=vV ;;
    rust-lld) set -- -flavor gnu --version; kind=lld ;;
    *) set -- --version; kind=v ;;
  esac
  echo "$tool: $path"
  memo="$cache/$id.$kind"
  if [ "${id##*.}" = 1 ] && [ -s "$memo" ]; then
    cat "$memo"
  else
    text=$("$path" "$@" 2>/dev/null) || fail
    printf '%s\n' "$text"
    if [ "${id##*.}" = 1 ]; then
      { mkdir -p "$cache" && printf '%s\n' "$text" > "$memo.$$" && mv "$memo.$$" "$memo"; } 2>/dev/null
    fi
  fi
done
