/** Options of nx-local-lto:host-test; see schema.json for each option's description and default. */
export interface HostTestExecutorOptions {
  sources: string[];
  objects: string[];
  includeDirs: string[];
  linkLibs: string[];
  args: string[];
  pie: boolean;
  cc?: string;
  verbose: boolean;
}
