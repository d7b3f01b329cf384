import type { Fallback } from '../../toolchain/build-mode';
import type { Profile } from '../../toolchain/profiles';

/** Options of nx-local-lto:rust-bc; see schema.json for each option's description and default. */
export interface RustBcExecutorOptions {
  crateRoot: string;
  crateName?: string;
  edition: '2015' | '2018' | '2021' | '2024';
  optLevel: '0' | '1' | '2' | '3' | 's' | 'z';
  target?: string;
  profile: Profile;
  cfg: string[];
  externs: Record<string, string>;
  bindings: Record<string, string>;
  rustflags: string[];
  outputPath?: string;
  emitMetadata: boolean;
  selfContained: boolean;
  runtimeCrateRoot?: string;
  runtimeFeatures: Array<'panic-handler' | 'panic-message' | 'global-allocator'>;
  rustc?: string;
  clang?: string;
  fallback?: Fallback;
  kernelDir?: string;
  verbose: boolean;
}
