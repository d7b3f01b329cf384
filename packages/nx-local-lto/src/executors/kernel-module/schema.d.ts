/** Options of nx-local-lto:kernel-module; see schema.json for each option's description and default. */
export interface KernelModuleExecutorOptions {
  modules: Array<{ name: string; object: string }>;
  glue: string[];
  includeDirs: string[];
  outputDir?: string;
  kernelDir?: string;
  clang?: string;
  rustc?: string;
  verbose: boolean;
}
