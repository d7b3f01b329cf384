import type { Fallback } from '../../toolchain/build-mode';
import type { Profile } from '../../toolchain/profiles';

/** Options of nx-local-lto:clang-bc; see schema.json for each option's description and default. */
export interface ClangBcExecutorOptions {
  sources: string[];
  includeDirs: string[];
  defines: string[];
  cflags: string[];
  target?: string;
  ltoMode: 'thin' | 'full';
  optLevel: '0' | '1' | '2' | '3' | 's' | 'z';
  profile: Profile;
  outputDir?: string;
  sourceRoot?: string;
  clang?: string;
  rustc?: string;
  fallback?: Fallback;
  cc?: string;
  kernelDir?: string;
  moduleName?: string;
  verbose: boolean;
}
