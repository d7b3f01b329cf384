import { kbuildFlags } from '../kernel/kbuild-flags';
import { KernelTree, resolveKernelTree } from '../kernel/tree';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import which from 'which';
import { LlvmToolKind, resolveLlvmTool, resolveRustc, ResolvedTool, TOOL_ENV } from '../toolchain/discover';
import { Manifest } from './manifest';
import { CommandTool, CommandToolFact, InferenceFacts } from './targets';

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
    toolchain.commands = await defaultTools();
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
 * The tools default discovery finds, ignoring the LOCAL_LTO_* variables (the commands read those
 * when they run, `"${LOCAL_LTO_CLANG:-/usr/bin/clang-22}"`, so setting one changes no target's
 * text): absolute paths, because Nx's run-commands puts node's own folder (often /usr/bin) first
 * on PATH, which would shadow the user's choice. Undefined when one is missing.
 */
async function defaultTools(): Promise<Record<CommandTool, CommandToolFact> | undefined> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(Object.values(TOOL_ENV) as string[]).includes(k)));
  try {
    const rustc = await resolveRustc({}, env);
    const kinds: LlvmToolKind[] = ['clang', 'llvm-link', 'ld.lld', 'llvm-objcopy'];
    const llvm = await Promise.all(kinds.map((k) => resolveLlvmTool(k, rustc, {}, env)));
    const absolute = async (path: string) => (path.includes('/') ? path : ((await which(path, { nothrow: true })) ?? path));
    const tool = async (kind: CommandTool, path: string, prefixArgs: string[]) => ({ path: await absolute(path), prefixArgs, env: TOOL_ENV[kind] });
    // The toolchain's own rustc, not rustup's proxy: the same compiler, and its answers can be remembered (answer-memo.ts).
    const real = join(rustc.sysroot, 'bin', 'rustc');
    return {
      rustc: await tool('rustc', existsSync(real) ? real : rustc.path, []),
      ...Object.fromEntries(await Promise.all(llvm.map(async (t, i) => [kinds[i], await tool(kinds[i], t.path, t.prefixArgs)]))),
    } as Record<CommandTool, CommandToolFact>;
  } catch {
    return undefined;
  }
}
