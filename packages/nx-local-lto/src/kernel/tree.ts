import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { LocalLtoError } from '../errors';

/** Environment variable naming the kernel tree when neither the option nor the manifest does (CI). */
export const KERNEL_DIR_ENV = 'LOCAL_LTO_KERNEL_DIR';

/** Where Debian's `linux-headers-<abi>-amd64` packages put their trees. */
const DEBIAN_HEADERS_ROOT = '/usr/src';

/**
 * A configured kernel tree to build out-of-tree modules against: Debian's headers package,
 * or a tree of the user's own after `make modules_prepare` (what `make M=` needs).
 */
export interface KernelTree {
  /** Absolute path of the tree (kbuild's objtree: `.config`, `Module.symvers`, generated headers). */
  dir: string;
  /** UTS_RELEASE: the release `uname -r` prints on the kernel that loads the module. */
  release: string;
  /** `.config` as CONFIG_* -> value (`y`, `m`, a number, a quoted string); unset options are absent. */
  config: Map<string, string>;
  /** Files whose contents identify the tree for the cache (release, configuration, exported symbols). */
  identityFiles: string[];
}

/** The tree's identity files, in a fixed order: what a cache key of a kernel target hashes. */
export function treeIdentityFiles(dir: string): string[] {
  return ['include/generated/utsrelease.h', '.config', 'include/generated/autoconf.h', 'Module.symvers'].map((f) => join(dir, f));
}

/** Parses `.config` text: `CONFIG_X=y` lines; `# CONFIG_X is not set` and others are skipped. */
export function parseKernelConfig(text: string): Map<string, string> {
  const config = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(CONFIG_\w+)=(.*)$/.exec(line.trim());
    if (m) config.set(m[1], m[2]);
  }
  return config;
}

/** True when `.config` sets `name` to y or m. */
export function configEnabled(config: ReadonlyMap<string, string>, name: string): boolean {
  const v = config.get(name);
  return v === 'y' || v === 'm';
}

/**
 * Debian's default tree: the `linux-headers-<abi>-amd64` folder under /usr/src that
 * `linux-headers-amd64` installs (its ABI changes with Debian's updates, so it is found, not
 * written down). With several installed, the newest version wins.
 */
export function debianDefaultTree(root = DEBIAN_HEADERS_ROOT): string | undefined {
  if (!existsSync(root)) return undefined;
  const trees = readdirSync(root)
    .filter((d) => /^linux-headers-.*-amd64$/.test(d) && existsSync(join(root, d, '.config')))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return trees.length ? join(root, trees[trees.length - 1]) : undefined;
}

/**
 * The tree a kernel-profile build uses: option `kernelDir` (relative to the workspace or
 * absolute), else $LOCAL_LTO_KERNEL_DIR, else Debian's installed headers. Fails with one line
 * naming where the tree is set and how to get one.
 */
export function resolveKernelTree(kernelDir: string | undefined, workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): KernelTree {
  const [given, from] = kernelDir ? [kernelDir, "option 'kernelDir'"] : env[KERNEL_DIR_ENV] ? [env[KERNEL_DIR_ENV]!, `$${KERNEL_DIR_ENV}`] : [debianDefaultTree(), 'the default (Debian linux-headers-amd64)'];
  if (!given) {
    throw new LocalLtoError(`the kernel profile needs a configured kernel tree and none was found: set "kernelDir" in local-lto.json or $${KERNEL_DIR_ENV}, or install Debian's headers (apt-get install -y linux-headers-amd64, which scripts/setup.sh does)`);
  }
  const dir = isAbsolute(given) ? given : resolve(workspaceRoot, given);
  const missing = ['.config', 'Makefile', 'include/generated/utsrelease.h'].filter((f) => !existsSync(join(dir, f)));
  if (missing.length) {
    throw new LocalLtoError(`${from} names ${dir}, which is not a configured kernel tree (no ${missing.join(', ')}): point it at a tree prepared with 'make modules_prepare' or at Debian's /usr/src/linux-headers-<abi>-amd64`);
  }
  const release = /UTS_RELEASE\s+"([^"]*)"/.exec(readFileSync(join(dir, 'include/generated/utsrelease.h'), 'utf8'))?.[1];
  if (!release) throw new LocalLtoError(`${join(dir, 'include/generated/utsrelease.h')} defines no UTS_RELEASE: the tree is not prepared ('make modules_prepare')`);
  return { dir, release, config: parseKernelConfig(readFileSync(join(dir, '.config'), 'utf8')), identityFiles: treeIdentityFiles(dir) };
}

/** The compiler the tree was configured with, as kbuild's `.config` records it (for doctor and the overrides). */
export function configuredCompiler(config: ReadonlyMap<string, string>): { kind: 'gcc' | 'clang' | 'unknown'; version: string } {
  if (configEnabled(config, 'CONFIG_CC_IS_CLANG')) return { kind: 'clang', version: config.get('CONFIG_CLANG_VERSION') ?? '' };
  if (configEnabled(config, 'CONFIG_CC_IS_GCC')) return { kind: 'gcc', version: config.get('CONFIG_GCC_VERSION') ?? '' };
  return { kind: 'unknown', version: '' };
}
