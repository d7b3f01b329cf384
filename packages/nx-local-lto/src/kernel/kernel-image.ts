import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LocalLtoError } from '../errors';
import { resolveKernelTree } from './tree';

/** Where scripts/setup-kernel.sh keeps the kernel images, one folder per release. */
export const DEFAULT_KERNEL_CACHE = '/var/cache/nx-local-lto/kernels';

/** The image cache: `$LOCAL_LTO_KERNEL_CACHE`, else DEFAULT_KERNEL_CACHE (setup-kernel.sh reads the same). */
export function kernelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOCAL_LTO_KERNEL_CACHE || DEFAULT_KERNEL_CACHE;
}

export interface KernelImage {
  /** Absolute path of the image QEMU boots (an uncompressed vmlinux or a bzImage). */
  path: string;
  /** Where the path came from, for the verdict line. */
  source: 'kernelImage' | 'LOCAL_LTO_KERNEL_IMAGE' | 'cache';
  /** The tree's release, when the image was found from a tree. */
  release?: string;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/**
 * The kernel image to boot: the `kernelImage` option, else `$LOCAL_LTO_KERNEL_IMAGE`, else
 * the cached image of `kernelDir`'s release (its vmlinux, which boots through the PVH entry in
 * about half the bzImage's time under TCG, else its vmlinuz). Throws one line naming the
 * release, the Debian package and scripts/setup.sh when it is missing.
 */
export function findKernelImage(
  options: { kernelDir?: string; kernelImage?: string },
  workspaceRoot: string,
  env: NodeJS.ProcessEnv = process.env,
): KernelImage {
  if (options.kernelImage) {
    if (!isFile(options.kernelImage)) throw new LocalLtoError(`option 'kernelImage' names ${options.kernelImage}, which is not a file`);
    return { path: options.kernelImage, source: 'kernelImage' };
  }
  if (env.LOCAL_LTO_KERNEL_IMAGE) {
    if (!isFile(env.LOCAL_LTO_KERNEL_IMAGE)) throw new LocalLtoError(`LOCAL_LTO_KERNEL_IMAGE names ${env.LOCAL_LTO_KERNEL_IMAGE}, which is not a file`);
    return { path: env.LOCAL_LTO_KERNEL_IMAGE, source: 'LOCAL_LTO_KERNEL_IMAGE' };
  }
  // The tree the modules were built against, found as every kernel step finds it (option,
  // $LOCAL_LTO_KERNEL_DIR, Debian's headers); its UTS_RELEASE names the image.
  const release = resolveKernelTree(options.kernelDir, workspaceRoot, env).release;
  const folder = join(kernelCacheDir(env), release);
  const found = ['vmlinux', 'vmlinuz'].map((f) => join(folder, f)).find(isFile);
  if (!found) {
    throw new LocalLtoError(`no kernel image for release ${release} in ${folder}: run scripts/setup.sh (it downloads linux-image-${release}-unsigned), or set LOCAL_LTO_KERNEL_IMAGE`);
  }
  return { path: found, source: 'cache', release };
}
