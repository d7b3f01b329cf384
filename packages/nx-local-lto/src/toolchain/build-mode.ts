import { LocalLtoError } from '../errors';
import { debianPackageFor, resolveLlvmTool, ResolvedTool, ToolchainOptions } from './discover';
import { FALLBACK_ENV } from './native-fallback';
import { RustcInfo } from './rustc';

export { FALLBACK_ENV, nativeObjectPath } from './native-fallback';

/**
 * What to do when clang of rustc's LLVM major is missing: `error` (default) fails naming
 * the Debian packages; `native` builds without LTO (rustc --emit=obj, the system C
 * compiler, ld -r), every helper stays a call and the report says why.
 */
export type Fallback = 'error' | 'native';

/** How a step builds: by LTO with clang, or natively (clang missing and `fallback: native`). */
export type BuildMode = { mode: 'lto'; clang: ResolvedTool } | { mode: 'native'; why: string };

/** Reason written into the report for every helper call of a native build. */
export const NATIVE_FALLBACK_REASON = 'fallback build without LLVM bitcode';

/** The fallback in force: the option, else $LOCAL_LTO_FALLBACK, else `error`. Throws on another value. */
export function fallbackOf(option: Fallback | undefined, env: NodeJS.ProcessEnv = process.env): Fallback {
  const value = option ?? env[FALLBACK_ENV] ?? 'error';
  if (value !== 'error' && value !== 'native') {
    throw new LocalLtoError(`$${FALLBACK_ENV} is '${value}'; accepted values: error, native`);
  }
  return value;
}

/** The Debian packages a local-LTO build needs for LLVM `major`. */
export function localLtoPackages(major: number): string[] {
  return [debianPackageFor('clang', major), debianPackageFor('ld.lld', major), debianPackageFor('llvm-link', major)];
}

/**
 * LTO when clang of rustc's major is found; otherwise native under `fallback: native`, or a
 * LocalLtoError naming the packages to install and the fallback that avoids them.
 */
export async function resolveBuildMode(fallback: Fallback, rustc: RustcInfo, options: ToolchainOptions, env: NodeJS.ProcessEnv = process.env): Promise<BuildMode> {
  try {
    return { mode: 'lto', clang: await resolveLlvmTool('clang', rustc, options, env) };
  } catch (e) {
    if (!(e instanceof LocalLtoError)) throw e;
    const packages = localLtoPackages(rustc.llvm.major);
    if (fallback === 'native') return { mode: 'native', why: `${e.message.split('; tried')[0]}` };
    throw new LocalLtoError(
      `${e.message} Local LTO needs ${packages.join(', ')} (apt-get install -y ${packages.join(' ')}); ` +
        `to build without LTO instead (helpers stay calls), set option 'fallback' to "native" or ${FALLBACK_ENV}=native.`,
    );
  }
}
