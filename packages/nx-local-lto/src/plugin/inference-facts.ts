import { kbuildFlags } from '../kernel/kbuild-flags';
import { KernelTree, resolveKernelTree } from '../kernel/tree';
import { resolveLlvmTool, resolveRustc } from '../toolchain/discover';
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
  let clang: Awaited<ReturnType<typeof resolveLlvmTool>> | undefined;
  try {
    const rustc = await resolveRustc({});
    clang = await resolveLlvmTool('clang', rustc, {});
    toolchain = { host: rustc.host, clang: clang.path };
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
