#!/bin/sh
# SPDX-License-Identifier: MIT
# tool-id.sh TOOL...: the identity of the tools a command target runs, for one Nx `runtime`
# cache input. For each tool (a path, or a name on PATH): where the shell finds it, then its own
# version text (rustc -vV; rust-lld -flavor gnu --version; else --version). The text is
# remembered in the user's cache folder by the file's identity (device, inode, size, mtime,
# ctime to the nanosecond), so hashing a task costs one stat, not a tool start (Nx runs the
# input for each task it hashes: one stat for all tools and shell builtins otherwise, as a
# process start costs about 4 ms here and the link's four tools took 45 ms with one stat and
# one cat each). A file with several links (LLVM's tools on Debian) is remembered under its
# name too; a rustup proxy (a hard or symbolic link to the rustup beside it) is always asked:
# it answers for whichever toolchain rustup picks. A tool that is not found or does not run
# prints random bytes, so its key never matches: the task runs and the tool's own error shows.
cache="${XDG_CACHE_HOME:-$HOME/.cache}/nx-local-lto/tool-ids"
fail() { od -An -N16 -tx1 /dev/urandom; exit 1; }
# Resolve each tool as `command -v` would, in builtins (a command substitution forks).
n=0
for tool in "$@"; do
  case $tool in
    */*) path=$tool ;;
    *)
      path=
      rest=$PATH:
      while [ -n "$rest" ]; do
        dir=${rest%%:*}
        rest=${rest#*:}
        if [ -f "${dir:-.}/$tool" ] && [ -x "${dir:-.}/$tool" ]; then path=${dir:-.}/$tool; break; fi
      done
      ;;
  esac
  [ -n "$path" ] && [ -f "$path" ] && [ -x "$path" ] || fail
  echo "$tool: $path"
  shift
  set -- "$@" "$path"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || exit 0
# One stat for all tools; its lines are read in the same order (%n last: a path may hold spaces).
stat -Lc '%d.%i.%s.%.9Y.%.9Z.%h %n' -- "$@" 2>/dev/null | {
  count=0
  while read -r id path; do
    count=$((count + 1))
    case ${path##*/} in
      rustc*) kind=vV ;;
      rust-lld) kind=lld ;;
      *) kind=v ;;
    esac
    memo="$cache/$id.$kind"
    [ "${id##*.}" = 1 ] || memo="$memo.${path##*/}"
    keep=1
    [ ! "$path" -ef "${path%/*}/rustup" ] || keep=
    if [ -n "$keep" ] && [ -s "$memo" ]; then
      while IFS= read -r line; do printf '%s\n' "$line"; done < "$memo"
      continue
    fi
    case $kind in
      vV) text=$("$path" -vV 2>/dev/null </dev/null) ;;
      lld) text=$("$path" -flavor gnu --version 2>/dev/null </dev/null) ;;
      *) text=$("$path" --version 2>/dev/null </dev/null) ;;
    esac || fail
    printf '%s\n' "$text"
    if [ -n "$keep" ]; then
      { mkdir -p "$cache" && printf '%s\n' "$text" > "$memo.$$" && mv "$memo.$$" "$memo"; } 2>/dev/null
    fi
  done
  [ "$count" = "$n" ] || fail
}
