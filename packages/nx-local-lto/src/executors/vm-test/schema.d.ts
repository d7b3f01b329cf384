/** Options of nx-local-lto:vm-test; see schema.json for each option's description and default. */
export interface VmTestModule {
  path: string;
  params?: string[];
}

export interface VmTestExecutorOptions {
  modules: Array<string | VmTestModule>;
  kernelDir?: string;
  kernelImage?: string;
  expect: string[];
  expectLoadFailure?: string;
  compareWith?: string;
  timeoutMs: number;
  verbose: boolean;
}
