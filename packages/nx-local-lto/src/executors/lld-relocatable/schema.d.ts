import type { Fallback } from '../../toolchain/build-mode';

/** Options of nx-local-lto:lld-relocatable; see schema.json for each option's description and default. */
export interface LldRelocatableExecutorOptions {
  rustBitcode: string;
  bitcode: string[];
  objects: string[];
  output?: string;
  report?: string;
  internalize: boolean;
  ltoOptLevel: '0' | '1' | '2' | '3';
  requireInlined: string[];
  inlinePolicy: 'error' | 'warn';
  runtimeSymbols: 'error' | 'warn';
  rustc?: string;
  llvmLink?: string;
  linker?: string;
  clang?: string;
  objcopy?: string;
  fallback?: Fallback;
  exports?: string[];
  kernelDir?: string;
  profile: 'user' | 'kernel';
  kernelPolicy: 'error' | 'warn';
  flags: string[];
  mode: 'lto' | 'calls';
  verbose: boolean;
}
