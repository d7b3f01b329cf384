import { FunctionAttributes } from '../bitcode/attributes';
import { BitcodeModuleInfo } from '../bitcode/module-info';
import { demangleRust } from './demangle';
import { excessFeatures, FeatureOracle, featureFlags, headFeatures } from './target-features';

/**
 * Why a helper stayed a call, found by comparing the caller's and the callee's function
 * attributes and module facts in the bitcode (the checks LLVM 22's inliner makes, in its
 * order: InlineCost.cpp getAttributeBasedInliningDecision), with LLVM's remark as a witness.
 */
export type BlockerCause =
  | 'lto-mode'
  | 'signature-mismatch'
  | 'triple'
  | 'no-builtins'
  | 'null-pointer-is-valid'
  | 'target-features'
  | 'optnone'
  | 'noinline'
  | 'attribute-mismatch'
  | 'native-fallback'
  | 'folded'
  | 'unknown';

export interface Diagnosis {
  cause: BlockerCause;
  /** What differs, naming both values (helper's and caller's). */
  detail: string;
  /** The C flag (or source attribute) that produces the blocker, when it can be named. */
  flag?: string;
  /** What to change. */
  fix: string;
  /** One line naming the helper, the caller, the cause, the flag and the fix. */
  message: string;
}

/** A helper that may execute instructions its Rust caller's context forbids (inlined or not). */
export interface FeatureViolation {
  helper: string;
  caller: string;
  verdict: 'inlined' | 'call';
  /** Features the helper may use and the caller may not. */
  features: string[];
  flag: string;
  message: string;
}

/** A function's attributes and the module it is defined in. */
export interface FunctionFacts {
  attributes: FunctionAttributes;
  module: BitcodeModuleInfo;
  /** Workspace-relative bitcode file. */
  path: string;
}

export interface SiteFacts {
  helper: string;
  caller: string;
  callee?: FunctionFacts;
  callerFacts?: FunctionFacts;
  /** The Rust crate's module (its LTO mode and triple are the reference). */
  rust: { path: string; info: BitcodeModuleInfo };
  remark?: { kind: string; name: string; message: string };
  /** Asks LLVM what a CPU and features imply; without it no feature check is made. */
  features?: FeatureOracle;
  /** The helper's IR signature as the Rust bitcode declares it and as the helper bitcode defines it. */
  signatures?: { rust?: string; helper?: string };
}

/**
 * Function attributes whose values must be equal in caller and callee (LLVM 22
 * Attributes.td CompatRule isEqual / checkDenormMode / checkStrictFP), apart from
 * no-builtins and target features, which have their own causes.
 */
const COMPAT_ENUMS = [
  'sanitize_address', 'sanitize_thread', 'sanitize_memory', 'sanitize_hwaddress', 'sanitize_memtag', 'sanitize_type',
  'sanitize_numerical_stability', 'sanitize_realtime', 'sanitize_realtime_blocking', 'safestack', 'shadowcallstack',
  'noprofile', 'fn_ret_thunk_extern', 'strictfp', 'denormal_fpenv',
];
const COMPAT_STRINGS = [
  'denormal-fp-math', 'denormal-fp-math-f32', 'use-sample-profile', 'sign-return-address', 'sign-return-address-key',
  'branch-target-enforcement', 'branch-protection-pauth-lr', 'guarded-control-stack',
];

/** The clang flag that gives a helper each compat-relevant attribute. */
const COMPAT_FLAGS: Record<string, string> = {
  sanitize_address: '-fsanitize=address',
  sanitize_thread: '-fsanitize=thread',
  sanitize_memory: '-fsanitize=memory',
  sanitize_hwaddress: '-fsanitize=hwaddress',
  sanitize_memtag: '-fsanitize=memtag',
  sanitize_type: '-fsanitize=type',
  sanitize_numerical_stability: '-fsanitize=numerical',
  sanitize_realtime: '-fsanitize=realtime',
  safestack: '-fsanitize=safe-stack',
  shadowcallstack: '-fsanitize=shadow-call-stack',
  strictfp: '-ffp-exception-behavior=strict or -frounding-math',
  fn_ret_thunk_extern: '-mfunction-return=thunk-extern',
  'denormal-fp-math': '-fdenormal-fp-math=',
  'denormal-fp-math-f32': '-fdenormal-fp-math-f32=',
  'sign-return-address': '-mbranch-protection=',
  'branch-target-enforcement': '-mbranch-protection=',
};

const ALWAYS_INLINE_FIX = (helper: string) =>
  `or mark ${helper} always-inline as the kernel's __rust_helper does (__attribute__((always_inline)))`;

function show(v: string | undefined): string {
  return v === undefined ? '(absent)' : v === '' ? '(present)' : `'${v}'`;
}

/** Differing compat-relevant attributes: `name: helper X, caller Y`, and the flags that give them. */
function compatMismatches(callee: FunctionAttributes, caller: FunctionAttributes): { texts: string[]; flags: string[] } {
  const texts: string[] = [];
  const flags: string[] = [];
  for (const e of COMPAT_ENUMS) {
    if (callee.enums.has(e) !== caller.enums.has(e)) {
      texts.push(`${e}: helper ${callee.enums.has(e) ? 'has it' : 'lacks it'}, caller ${caller.enums.has(e) ? 'has it' : 'lacks it'}`);
      if (COMPAT_FLAGS[e]) flags.push(COMPAT_FLAGS[e]);
    }
  }
  for (const s of COMPAT_STRINGS) {
    const value = callee.strings.get(s);
    if (value !== caller.strings.get(s)) {
      texts.push(`"${s}": helper ${show(value)}, caller ${show(caller.strings.get(s))}`);
      const flag = COMPAT_FLAGS[s];
      if (flag) flags.push(flag.endsWith('=') && value ? `${flag}${value.split(',')[0]}` : flag);
    }
  }
  return { texts, flags: [...new Set(flags)] };
}

function make(site: SiteFacts, cause: BlockerCause, detail: string, fix: string, flag?: string): Diagnosis {
  const caller = demangleRust(site.caller);
  const message =
    `${site.helper} is not inlined into ${caller} (${cause}): ${detail}` + (flag ? `; caused by ${flag}` : '') + `. Fix: ${fix}.`;
  return { cause, detail, ...(flag ? { flag } : {}), fix, message };
}

/** The flags that add `excess` to a helper, e.g. `-mavx2 -mfma`: only what the user asked for, real clang flags. */
function featureFlag(site: SiteFacts, excess: readonly string[]): string {
  return featureFlags(site.features!, site.rust.info.triple, headFeatures(site.features!, site.rust.info.triple, excess));
}

/** Features the helper may use and its caller may not, per LLVM ([] without an oracle). */
function siteExcess(site: SiteFacts): string[] {
  if (!site.features || !site.callee || !site.callerFacts) return [];
  return excessFeatures(site.features, site.rust.info.triple, site.callerFacts.attributes, site.callee.attributes);
}

/** Splits `a, { b, c }, d` at top-level commas. */
function topLevel(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of list) {
    if ('({[<'.includes(ch)) depth++;
    if (')}]>'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  return cur.trim() ? [...out, cur.trim()] : out;
}

/** Where two IR signatures `ret (p1, p2)` differ: the return value, or the first parameter (1-based) that differs. */
function signatureDifference(rust: string, helper: string): string {
  const parts = (sig: string) => {
    const open = sig.indexOf(' (');
    return { ret: sig.slice(0, open), params: topLevel(sig.slice(open + 2, -1)) };
  };
  const a = parts(rust);
  const b = parts(helper);
  if (a.ret !== b.ret) return `the return value differs: Rust expects \`${a.ret}\`, C returns \`${b.ret}\` (a struct returned by value)`;
  const i = a.params.findIndex((p, k) => p !== b.params[k]);
  const at = i < 0 ? a.params.length : i;
  const struct = /^[{%]/.test(a.params[at] ?? '') || /^[{%]/.test(b.params[at] ?? '') ? ' (a struct passed by value)' : '';
  return `parameter ${at + 1} differs: Rust passes \`${a.params.slice(at).join(', ') || '(nothing)'}\`, C takes \`${b.params.slice(at).join(', ') || '(nothing)'}\`${struct}`;
}

/** Diagnoses one `call` site. Never throws: without facts it says `unknown` with LLVM's reason. */
export function diagnoseCall(site: SiteFacts): Diagnosis {
  const { helper, callee, callerFacts, rust, remark } = site;
  const reason = remark ? `LLVM: ${remark.name}${remark.message ? ` '${remark.message}'` : ''}` : 'no LLVM inline remark';
  if (callee && callee.module.ltoMode !== rust.info.ltoMode) {
    return make(
      site,
      'lto-mode',
      `${callee.path} is ${callee.module.ltoMode === 'thin' ? 'ThinLTO' : 'full LTO'} but ${rust.path} is ${rust.info.ltoMode === 'thin' ? 'ThinLTO' : 'full LTO'}`,
      `build the helpers with -flto=${rust.info.ltoMode}: clang-bc option 'ltoMode' "${rust.info.ltoMode}" (project.json targets.clang-bc.options; not a local-lto.json key) and no -flto in 'cflags'`,
      callee.module.ltoMode === 'full' ? '-flto=full or plain -emit-llvm' : '-flto=thin',
    );
  }
  const sig = site.signatures;
  if (sig?.rust && sig.helper && sig.rust !== sig.helper) {
    return make(
      site,
      'signature-mismatch',
      `the Rust declaration is \`${sig.rust}\` but the C definition is \`${sig.helper}\`: ${signatureDifference(sig.rust, sig.helper)}, lowered differently by rustc and clang. ` +
        `LLVM inlines only a call whose type matches the callee's (no remark is emitted; always_inline does not help)`,
      `pass the struct by pointer (Rust \`*const T\` / \`&T\`, C \`const struct ... *\`) or pass its fields as scalar arguments`,
      'a struct of 9-16 bytes passed or returned by value',
    );
  }
  if (callee && callerFacts) {
    const a = callee.attributes;
    const c = callerFacts.attributes;
    const cs = (k: string) => c.strings.has(k);
    if (a.strings.has('no-builtins') && !cs('no-builtins')) {
      return make(
        site,
        'no-builtins',
        `helper has "no-builtins", caller ${demangleRust(site.caller)} does not (LLVM: conflicting attributes)`,
        `drop the flag from the helper files' cflags (keep it for other C code) ${ALWAYS_INLINE_FIX(helper)}`,
        '-ffreestanding or -fno-builtin',
      );
    }
    const noBuiltin = [...a.strings.keys()].filter((k) => k.startsWith('no-builtin-') && !cs(k) && !cs('no-builtins'));
    if (noBuiltin.length) {
      const flags = noBuiltin.map((k) => `-f${k}`).join(' ');
      return make(
        site,
        'no-builtins',
        `helper has ${noBuiltin.map((k) => `"${k}"`).join(', ')}, caller does not (LLVM: conflicting attributes)`,
        `drop ${flags} from the helper files' cflags ${ALWAYS_INLINE_FIX(helper)}`,
        flags,
      );
    }
    const excess = siteExcess(site);
    if (excess.length && !a.enums.has('alwaysinline')) {
      const flag = featureFlag(site, excess);
      return make(
        site,
        'target-features',
        `helper may use ${headFeatures(site.features!, rust.info.triple, excess).join(', ')}, which caller (target-cpu ${show(c.strings.get('target-cpu'))}) may not`,
        `align the target features: drop ${flag} from the helper, or give the Rust code the same features (-Ctarget-feature / -Ctarget-cpu); always-inline would hide this, not make it safe`,
        flag,
      );
    }
    const mismatches = compatMismatches(a, c);
    if (mismatches.texts.length && !a.enums.has('alwaysinline')) {
      const flag = mismatches.flags.join(' ') || undefined;
      return make(
        site,
        'attribute-mismatch',
        `attributes LLVM requires to be equal differ (LLVM: conflicting attributes): ${mismatches.texts.join('; ')}`,
        `build the helpers with the same setting as the Rust code${flag ? ` (drop ${flag} for helper files)` : ''} ${ALWAYS_INLINE_FIX(helper)}`,
        flag,
      );
    }
    if (a.enums.has('null_pointer_is_valid') && !c.enums.has('null_pointer_is_valid')) {
      return make(
        site,
        'null-pointer-is-valid',
        `helper has null_pointer_is_valid, caller ${demangleRust(site.caller)} does not (LLVM: nullptr definitions incompatible)`,
        `drop the flag from the helper files' cflags ${ALWAYS_INLINE_FIX(helper)}`,
        '-fno-delete-null-pointer-checks',
      );
    }
    if (a.enums.has('optnone')) {
      return make(
        site,
        'optnone',
        `helper has optnone and noinline (compiled without optimization), caller has ${c.enums.has('optnone') ? 'optnone too' : 'neither'}`,
        `compile the helpers with optimization (clang-bc option optLevel "2": local-lto.json key "optLevel", no -O0 in "cflags") ${ALWAYS_INLINE_FIX(helper)}`,
        '-O0',
      );
    }
    if (a.enums.has('noinline')) {
      return make(
        site,
        'noinline',
        `helper has noinline, caller ${demangleRust(site.caller)} calls it (LLVM: noinline function attribute)`,
        `remove __attribute__((noinline)) from ${helper} (and -fno-inline from cflags)`,
        '__attribute__((noinline)) or -fno-inline',
      );
    }
  }
  if (callee && callee.module.triple !== rust.info.triple) {
    return make(
      site,
      'triple',
      `${callee.path} targets ${callee.module.triple}, ${rust.path} targets ${rust.info.triple}`,
      `set clang-bc option 'target' to ${rust.info.triple} and remove --target from cflags`,
      `--target=${callee.module.triple}`,
    );
  }
  const missing = !callee ? `the helper's bitcode attributes were not found` : !callerFacts ? `the caller's bitcode attributes were not found` : 'no attribute difference explains it';
  return make(
    site,
    'unknown',
    `${missing}; ${reason}`,
    `read LLVM's reason; ${ALWAYS_INLINE_FIX(helper).replace(/^or /, '')} to force inlining`,
  );
}

/** The feature violation of one site (inlined or not), when the helper's features exceed the caller's. */
export function featureViolation(site: SiteFacts, verdict: 'inlined' | 'call'): FeatureViolation | undefined {
  const excess = siteExcess(site);
  if (!excess.length) return undefined;
  const heads = headFeatures(site.features!, site.rust.info.triple, excess);
  const flag = featureFlag(site, excess);
  const how = verdict === 'inlined' ? 'was inlined into' : 'is called from';
  const cpu = site.callerFacts!.attributes.strings.get('target-cpu');
  return {
    helper: site.helper,
    caller: site.caller,
    verdict,
    features: excess,
    flag,
    message:
      `${site.helper} ${how} ${demangleRust(site.caller)} but may use target features ${heads.join(', ')}${excess.length > heads.length ? ` (with what they imply: ${excess.length} in all)` : ''}, which the caller${cpu ? ` (target-cpu ${cpu})` : ''} may not; ` +
      `caused by ${flag}. Fix: drop it from the helper, or give the Rust code the same target features.`,
  };
}
