import { execa } from 'execa';
import which from 'which';
import { DoctorCheck } from '../toolchain/doctor';
import { kbuildMakeVars } from '../pipeline/kernel-commands';
import { ResolvedTool } from '../toolchain/discover';
import { findKernelImage } from './kernel-image';
import { kernelRustFlags } from './rust-flags';
import { configuredCompiler, KERNEL_DIR_ENV, resolveKernelTree } from './tree';

/** What a kernel build would use: the tree (release, configured compiler, the overrides for clang), the Rust flags, and QEMU. */
export interface KernelDoctor {
  lines: string[];
  checks: DoctorCheck[];
}

/**
 * The kernel part of `doctor`: the tree the kernel profile resolves to, the compiler it was
 * configured with and the make variables that switch kbuild to our clang, the rustc flags its
 * .config implies, and QEMU for the VM test (the kernel image is checked by the VM test).
 */
export async function kernelDoctor(kernelDir: string | undefined, workspaceRoot: string, clang: ResolvedTool | undefined, required: boolean): Promise<KernelDoctor> {
  const lines = ['kernel'];
  const checks: DoctorCheck[] = [];
  try {
    const tree = resolveKernelTree(kernelDir, workspaceRoot);
    const cc = configuredCompiler(tree.config);
    lines.push(`  tree         ${tree.dir}  release ${tree.release}  configured for ${cc.kind} ${cc.version}${kernelDir ? '' : process.env[KERNEL_DIR_ENV] ? ` ($${KERNEL_DIR_ENV})` : ' (default)'}`);
    if (clang) lines.push(`  kbuild vars  ${kbuildMakeVars({ clang: clang.path, version: clang.version }, cc.kind, tree.config).join(' ')}`);
    const rust = kernelRustFlags(tree.config);
    lines.push(`  rustc flags  ${[...Object.entries(rust.env).map(([k, v]) => `${k}=${v}`), ...rust.flags].join(' ')}`);
    checks.push({ ok: true, text: `kernel tree ${tree.release} at ${tree.dir}` });
    try {
      const image = findKernelImage({ kernelDir }, workspaceRoot);
      lines.push(`  image        ${image.path} (${image.source})`);
    } catch (e) {
      lines.push(`  image        not found: ${(e as Error).message}`);
      if (required) checks.push({ ok: false, text: (e as Error).message, fix: `linux-image-${tree.release}-unsigned (scripts/setup.sh downloads it)` });
    }
  } catch (e) {
    lines.push(`  tree         not found: ${(e as Error).message}`);
    if (required) checks.push({ ok: false, text: (e as Error).message, fix: 'linux-headers-amd64' });
  }
  const qemu = await which('qemu-system-x86_64', { nothrow: true });
  if (qemu) {
    const r = await execa(qemu, ['--version'], { reject: false, stdin: 'ignore' });
    lines.push(`  qemu         ${String(r.stdout).split('\n')[0]}  ${qemu}`);
  } else {
    lines.push('  qemu         not found (the VM test needs it)');
    if (required) checks.push({ ok: false, text: 'qemu-system-x86_64 not found: the kernel module VM test cannot run', fix: 'qemu-system-x86' });
  }
  return { lines, checks };
}
