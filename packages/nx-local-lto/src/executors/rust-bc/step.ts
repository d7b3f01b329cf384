import { RustBitcodeStep } from '../../pipeline/commands';
import { RustBcExecutorOptions } from './schema';

/** Where one rustc run writes (temporaries in the executor, the final paths in a command target). */
export type RustBitcodeOutputs = Pick<RustBitcodeStep, 'bitcodeOut' | 'depInfoOut' | 'metadataOut' | 'nativeObjectOut' | 'selfContained'>;

/**
 * The RUSTC-BC step from rust-bc's options (schema defaults applied), user flags already
 * sanitized. The executor and the inferred command target both build their rustc command
 * line from this, so the two routes run the same compile.
 */
export function rustBitcodeStep(
  options: RustBcExecutorOptions,
  crateName: string,
  rustflags: string[],
  workspaceRoot: string,
  out: RustBitcodeOutputs,
  extra: { externs?: Record<string, string>; kernelRustflags?: readonly string[] } = {},
): RustBitcodeStep {
  return {
    crateRoot: options.crateRoot,
    crateName,
    edition: options.edition,
    optLevel: options.optLevel,
    target: options.target,
    profile: options.profile,
    cfg: options.cfg,
    externs: extra.externs ?? options.externs,
    rustflags,
    workspaceRoot,
    ...out,
    ...(extra.kernelRustflags ? { kernelRustflags: extra.kernelRustflags } : {}),
  };
}
