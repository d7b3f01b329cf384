import { ReportInput } from '../../inline/report';

/** One way of linking the driver (local LTO, or the native fallback), prepared and checked. */
export interface LinkStep {
  /** The Rust crate's `#[no_mangle]` symbols: what stays GLOBAL unless option `exports` says otherwise. */
  defaultExports: string[];
  /** objcopy that applies the symbol policy. */
  objcopy: string;
  /** Writes the relocatable object to `out` (scratch files go to `scratch`). */
  link(out: string, scratch: string, verbose: boolean): Promise<void>;
  /** What the report needs besides the object, once `link` has run. */
  reportFacts(scratch: string, verbose: boolean): Promise<Omit<ReportInput, 'object' | 'elf' | 'requireInlined'>>;
}
