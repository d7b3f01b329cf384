/** Options of nx-local-lto:bindgen; see schema.json for each option's description and default. */
export interface BindgenExecutorOptions {
  headers: string[];
  functions: string[];
  types: string[];
  vars: string[];
  includeDirs: string[];
  defines: string[];
  outputDir?: string;
  target?: string;
  bindgen?: string;
  rustc?: string;
  verbose: boolean;
}
