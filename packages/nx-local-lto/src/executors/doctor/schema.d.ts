/** Options of nx-local-lto:doctor; see schema.json for each option's description. */
export interface DoctorExecutorOptions {
  rustc?: string;
  clang?: string;
  llvmLink?: string;
  linker?: string;
  remoteCache: boolean;
  remoteCacheTimeoutMs: number;
  remoteCacheWriteProbe: boolean;
  kernelDir?: string;
  kernel: boolean;
  verbose: boolean;
}
