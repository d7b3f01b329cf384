import type { Fallback } from '../../toolchain/build-mode';
import type { Profile } from '../../toolchain/profiles';

/** Options of nx-local-lto:cargo-bc; see schema.json for each option's description and default. */
export interface CargoBcExecutorOptions {
  manifestPath: string;
  lockFile?: string;
  crateName?: string;
  optLevel: '0' | '1' | '2' | '3' | 's' | 'z';
  target?: string;
  profile: Profile;
  kernelDir?: string;
  rustflags: string[];
  outputPath?: string;
  targetDir?: string;
  cargo?: string;
  rustc?: string;
  clang?: string;
  fallback?: Fallback;
  verbose: boolean;
}
