import { FunctionAttributes } from '../bitcode/attributes';
import { HARDENING_FEATURES } from '../kernel/rust-flags';

/**
 * The target features a function may use, from its `"target-cpu"` and `"target-features"`
 * attributes, the way LLVM's X86 inliner compares them (X86TTIImpl::areInlineCompatible:
 * the callee's feature bits must be a subset of the caller's).
 *
 * A CPU name gives a baseline (LLVM's X86.td processor lists for the x86-64 levels); each
 * `+f` then adds f and what f implies, each `-f` removes f and whatever implies f, in
 * order. rustc writes no `"target-features"` when none were asked for: the caller then has
 * exactly the baseline of its `"target-cpu"` (rustc's default for the target).
 */

/** Features each x86-64 level enables (LLVM X86.td, X86_64V1..V4 features). */
const X86_64_V1 = ['x87', 'cx8', 'cmov', 'mmx', 'sse', 'sse2', 'fxsr', '64bit'];
const X86_64_V2 = [...X86_64_V1, 'cx16', 'sahf', 'popcnt', 'crc32', 'sse3', 'ssse3', 'sse4.1', 'sse4.2'];
const X86_64_V3 = [...X86_64_V2, 'avx', 'avx2', 'bmi', 'bmi2', 'f16c', 'fma', 'lzcnt', 'movbe', 'xsave'];
const X86_64_V4 = [...X86_64_V3, 'avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl'];
const CPU_BASELINE: Record<string, readonly string[]> = {
  'x86-64': X86_64_V1,
  'x86-64-v2': X86_64_V2,
  'x86-64-v3': X86_64_V3,
  'x86-64-v4': X86_64_V4,
};

/** Direct implications between x86 features (X86.td's SubtargetFeature implied lists, the SIMD chain). */
const IMPLIES: Record<string, readonly string[]> = {
  sse2: ['sse'],
  sse3: ['sse2'],
  ssse3: ['sse3'],
  'sse4.1': ['ssse3'],
  'sse4.2': ['sse4.1', 'crc32'],
  sse4a: ['sse3'],
  avx: ['sse4.2'],
  avx2: ['avx'],
  fma: ['avx'],
  f16c: ['avx'],
  fma4: ['avx', 'sse4a'],
  xop: ['fma4'],
  aes: ['sse2'],
  pclmul: ['sse2'],
  sha: ['sse2'],
  gfni: ['sse2'],
  vaes: ['aes', 'avx'],
  vpclmulqdq: ['avx', 'pclmul'],
  avx512f: ['avx2', 'f16c', 'fma'],
  avx512bw: ['avx512f'],
  avx512cd: ['avx512f'],
  avx512dq: ['avx512f'],
  avx512vl: ['avx512f'],
  avx512vbmi: ['avx512bw'],
  avx512vnni: ['avx512f'],
  avx512bf16: ['avx512bw'],
  avx512fp16: ['avx512bw'],
};

function closure(feature: string): Set<string> {
  const out = new Set<string>();
  const todo = [feature];
  while (todo.length) {
    const f = todo.pop()!;
    if (out.has(f)) continue;
    out.add(f);
    todo.push(...(IMPLIES[f] ?? []));
  }
  return out;
}

export interface FeatureSet {
  cpu: string;
  /** Whether the CPU's baseline is known to this table (else only explicit features count). */
  knownCpu: boolean;
  enabled: Set<string>;
}

/** The features a function may use, from its attributes (see the file comment). */
export function enabledFeatures(attrs: FunctionAttributes): FeatureSet {
  const cpu = attrs.strings.get('target-cpu') ?? '';
  const baseline = CPU_BASELINE[cpu];
  const enabled = new Set<string>(baseline ?? []);
  for (const item of (attrs.strings.get('target-features') ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const name = item.slice(1);
    if (item.startsWith('+')) closure(name).forEach((f) => enabled.add(f));
    else if (item.startsWith('-')) for (const f of [...enabled]) if (closure(f).has(name)) enabled.delete(f);
  }
  return { cpu, knownCpu: baseline !== undefined, enabled };
}

/**
 * Features the callee may use that the caller may not (sorted), or [] when the callee's set
 * is within the caller's. Tuning-only strings are not features and never appear here.
 */
export function excessFeatures(caller: FunctionAttributes, callee: FunctionAttributes): string[] {
  const c = enabledFeatures(caller);
  const h = enabledFeatures(callee);
  // Same CPU but unknown to the table: both baselines are equal, compare what is explicit.
  // Hardening (retpoline, SLS) is not an instruction set: a gap there is lost hardening,
  // which the kernel checks report with the rustc flags that close it.
  return [...h.enabled].filter((f) => !c.enabled.has(f) && !HARDENING_FEATURES.has(f)).sort();
}

/** What clang's -m<feature> turns on beyond LLVM's implications (clang's X86 target: -mavx brings xsave, -msse4.2 popcnt). */
const CLANG_ALSO: Record<string, readonly string[]> = { avx: ['xsave'], 'sse4.2': ['popcnt'] };

function flagClosure(feature: string): Set<string> {
  const out = closure(feature);
  for (const f of [...out]) for (const g of CLANG_ALSO[f] ?? []) out.add(g);
  return out;
}

/**
 * The features in `excess` that no other feature in it brings along: what a user asked for
 * (`avx2` for clang -mavx2, which also turns on avx, sse4.2, popcnt, xsave...).
 */
export function headFeatures(excess: readonly string[]): string[] {
  return excess.filter((f) => !excess.some((g) => g !== f && flagClosure(g).has(f)));
}
