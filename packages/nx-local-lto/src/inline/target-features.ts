import { FunctionAttributes } from '../bitcode/attributes';
import { HARDENING_FEATURES } from '../kernel/rust-flags';
import { cpuFeaturesArgs, featureFlagArgs } from '../pipeline/inspect-commands';
import { formatCommandLine } from '../process/command-line';
import { askToolSync } from '../toolchain/answer-memo';
import { taskOutput } from '../process/task-output';
import { processMemo } from '../process/process-memo';

/**
 * The target features a function may use, as LLVM itself sees them (F18): clang, asked to
 * compile an empty function for the function's `"target-cpu"` and `"target-features"`,
 * writes the full implied feature list into that function's `"target-features"`. No table
 * of CPUs or implications is kept here; any CPU and feature LLVM knows works.
 */
export interface FeatureOracle {
  /** Features a function with these attributes may use (the `+` entries LLVM derives). */
  enabled(triple: string, attrs: FunctionAttributes): ReadonlySet<string>;
  /** Features clang's `-m<feature>` turns on, or undefined when clang has no such flag. */
  flagImplies(triple: string, feature: string): ReadonlySet<string> | undefined;
}

const EMPTY_FUNCTION = 'void f(void) {}';

/** Answers per process: the same question is never asked of clang twice. */
const answers = processMemo<string, { ok: boolean; features: Set<string> }>();

function ask(clang: string, args: string[], verbose: boolean): { ok: boolean; features: Set<string> } {
  const key = [clang, ...args].join('\0');
  let answer = answers.get(key);
  if (!answer) {
    if (verbose) taskOutput.log(`$ echo '${EMPTY_FUNCTION}' | ${formatCommandLine(clang, args)}`);
    const r = askToolSync(clang, args, { input: `${EMPTY_FUNCTION}\n` });
    const m = /"target-features"="([^"]*)"/.exec(String(r.stdout ?? ''));
    const features = new Set((m?.[1] ?? '').split(',').filter((f) => f.startsWith('+')).map((f) => f.slice(1)));
    answer = { ok: !r.failed, features };
    answers.set(key, answer);
  }
  return answer;
}

/** The oracle backed by `clang` (of rustc's LLVM major). */
export function llvmFeatureOracle(clang: string, verbose = false): FeatureOracle {
  return {
    enabled(triple, attrs) {
      const cpu = attrs.strings.get('target-cpu');
      const features = (attrs.strings.get('target-features') ?? '').split(',').map((f) => f.trim()).filter(Boolean);
      return ask(clang, cpuFeaturesArgs(triple, cpu, features), verbose).features;
    },
    flagImplies(triple, feature) {
      const answer = ask(clang, featureFlagArgs(triple, feature), verbose);
      return answer.ok ? answer.features : undefined;
    },
  };
}

/**
 * Features the callee may use that the caller may not (sorted), or [] when the callee's set
 * is within the caller's (X86TTIImpl::areInlineCompatible: callee bits within caller bits).
 */
export function excessFeatures(oracle: FeatureOracle, triple: string, caller: FunctionAttributes, callee: FunctionAttributes): string[] {
  const c = oracle.enabled(triple, caller);
  // Hardening (retpoline, SLS) is not an instruction set: a gap there is lost hardening,
  // which the kernel checks report with the rustc flags that close it.
  return [...oracle.enabled(triple, callee)].filter((f) => !c.has(f) && !HARDENING_FEATURES.has(f)).sort();
}

/**
 * The features in `excess` that no other one brings along through its clang flag: what a
 * user asked for (`avx2` for -mavx2, which also turns on avx, sse4.2, popcnt...).
 */
export function headFeatures(oracle: FeatureOracle, triple: string, excess: readonly string[]): string[] {
  return excess.filter((f) => !excess.some((g) => g !== f && oracle.flagImplies(triple, g)?.has(f)));
}

/** Real clang flags for `features` (`-mavx2 -mfma`); features without a -m flag are named as `target("...")` attribute text. */
export function featureFlags(oracle: FeatureOracle, triple: string, features: readonly string[]): string {
  const withFlag = features.filter((f) => oracle.flagImplies(triple, f) !== undefined);
  const without = features.filter((f) => !withFlag.includes(f));
  return [...withFlag.map((f) => `-m${f}`), ...(without.length ? [`__attribute__((target("${without.join(',')}")))`] : [])].join(' ');
}
