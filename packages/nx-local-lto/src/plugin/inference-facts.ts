import { kbuildFlags } from '../kernel/kbuild-flags';
import { KernelTree, resolveKernelTree } from '../kernel/tree';
import { basename } from 'node:path';
import which from 'which';
import { LlvmToolKind, resolveLlvmTool, resolveRustc, ResolvedTool } from '../toolchain/discover';
import { Manifest } from './manifest';
import { InferenceFacts } from './targets';

/**
 * The machine facts inference needs, found once per run: rustc's host triple and clang
 * (default discovery) for the header inputs, and for each kernel tree the kernel-profile
 * projects name, the tree and kbuild's C flags (kbuild runs once per tree and is remembered,
 * src/kernel/kbuild-flags.ts). What cannot be found is left out: the task reports it.
 */
export async function inferenceFacts(manifests: readonly Manifest[], workspaceRoot: string): Promise<InferenceFacts> {
  let toolchain: InferenceFacts['toolchain'];
  let clang: ResolvedTool | undefined;
  try {
    const rustc = await resolveRustc({});
    clang = await resolveLlvmTool('clang', rustc, {});
    toolchain = { host: rustc.host, clang: clang.path };
    const kinds: LlvmToolKind[] = ['clang', 'llvm-link', 'ld.lld', 'llvm-objcopy'];
    const llvm = await Promise.all(kinds.map((k) => resolveLlvmTool(k, rustc, {}).catch(() => undefined)));
    if (llvm.every(Boolean)) {
      const words = await Promise.all([commandWords(rustc.path, []), ...llvm.map((t) => commandWords(t!.path, t!.prefixArgs))]);
      toolchain.commands = { rustc: words[0], clang: words[1], 'llvm-link': words[2], 'ld.lld': words[3], 'llvm-objcopy': words[4] };
    }
  } catch {
    toolchain = undefined;
  }
  const trees = new Map<string, { tree: KernelTree; cflags: string[] } | undefined>();
  const usesKernel = manifests.filter((m) => m.profile === 'kernel' || m.profiles.includes('kernel'));
  for (const dir of new Set(usesKernel.map((m) => m.kernelDir ?? ''))) {
    try {
      const tree = resolveKernelTree(dir || undefined, workspaceRoot);
      const cflags = clang ? (await kbuildFlags(tree, { clang: clang.path, version: clang.version }, false)).cflags : [];
      trees.set(dir, { tree, cflags });
    } catch {
      trees.set(dir, undefined);
    }
  }
  return { workspaceRoot, toolchain, kernel: (dir) => trees.get(dir ?? '') };
}

/**
 * A tool as a command target names it: by its name when PATH finds the same file by that name
 * (`clang-22`, `rustc`), so the target's text is the same on machines that install it elsewhere;
 * else by its path.
 */
async function commandWords(path: string, prefixArgs: string[]): Promise<string[]> {
  const name = basename(path);
  const found = path.includes('/') ? await which(name, { nothrow: true }) : path;
  return [found === path ? name : path, ...prefixArgs];
}
