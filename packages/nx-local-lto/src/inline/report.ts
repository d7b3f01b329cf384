import picomatch from 'picomatch';
import { codeReferences, definedFunctionBindings } from '../elf/code-references';
import { ElfObject } from '../elf/elf';
import { FunctionAttributes } from '../bitcode/attributes';
import { BitcodeModuleInfo } from '../bitcode/module-info';
import { Diagnosis, diagnoseCall, FeatureViolation, featureViolation, FunctionFacts, SiteFacts } from './diagnosis';
import { demangleRust } from './demangle';
import { ObjectSize } from './object-size';
import { InlineRemark } from './remarks';
import { FeatureOracle } from './target-features';
import { undefinedSymbols, UndefinedSymbol } from './link-readiness';

/**
 * `inlined`: LLVM inlined the call (no relocation to the helper is left for it); `call`: a
 * real call remains; `folded`: the call is gone from the object without being inlined
 * (LLVM computed its result at compile time or found it dead, F16: no call, no remark).
 */
export type Verdict = 'inlined' | 'call' | 'folded';

/** The calls of one helper in one Rust function (from the Rust bitcode) that share a verdict. */
export interface CallSite {
  /** The calling function's symbol in the Rust bitcode (Rust mangled name). */
  caller: string;
  verdict: Verdict;
  /** Call instructions in the Rust bitcode this entry stands for (each call counts once). */
  calls: number;
  /** Relocations against the helper left in the code that holds these calls (the ground truth; 0 unless `call`). */
  relocations: number;
  /** Whether the caller still exists as a function in the object (false: it was inlined into others). */
  callerInObject: boolean;
  /** For calls of a caller that was itself inlined: the functions of the object that now hold them. */
  movedTo?: string[];
  /** LLVM's inline remark for this call site (the reason), when one was emitted. */
  remark?: { kind: InlineRemark['kind']; name: string; message: string };
  /** For a `call`: why, and the fix; for `folded`: what happened. */
  diagnosis?: Diagnosis;
}

/** A C helper defined in the helper bitcode, and what became of its calls. */
export interface HelperEntry {
  symbol: string;
  /** Bitcode file (workspace-relative) that defines it. */
  definedIn: string;
  /** Matched by `requireInlined`: a `call` site fails the build (or warns). */
  required: boolean;
  /** Binding of the out-of-line copy left in the object: `absent` when none is left. */
  outOfLineCopy: 'absent' | 'local' | 'global' | 'weak';
  callSites: CallSite[];
}

/** The content of `inline-report.json` (shape documented in inline-report.schema.json). */
export interface InlineReport {
  schemaVersion: 1;
  /** Workspace-relative path of the object the report describes. */
  object: string;
  /** `lto`, or `native` for the fallback build without LLVM bitcode (every helper a call). */
  build: 'lto' | 'native';
  summary: {
    helpers: number;
    callSites: number;
    inlined: number;
    calls: number;
    folded: number;
    requiredCalls: number;
    leakedHelpers: number;
    featureViolations: number;
    undefinedSymbols: number;
    rustRuntimeSymbols: number;
  };
  helpers: HelperEntry[];
  /** Symbols the object leaves undefined (the final link must provide them), demangled, with the functions that use them. */
  undefinedSymbols: UndefinedSymbol[];
  /** Call sites (inlined or not) whose helper may use target features its Rust caller may not: an error under inlinePolicy 'error'. */
  featureViolations: FeatureViolation[];
  /** The object's size, its code by crate, and what it leaves undefined (src/inline/object-size.ts). */
  size?: ObjectSize;
}

/** One bitcode module with its function attributes (read by src/bitcode/attributes.ts). */
export interface ModuleFacts {
  /** Workspace-relative path. */
  path: string;
  info: BitcodeModuleInfo;
  attributes: ReadonlyMap<string, FunctionAttributes>;
}

export interface ReportInput {
  object: string;
  elf: ElfObject;
  /** Helper functions: external functions defined in the C bitcode, with the file that defines each. */
  helpers: ReadonlyArray<{ symbol: string; definedIn: string }>;
  /** Every function defined in C bitcode (helpers and their static inline callees): never a Rust caller. */
  cFunctions: ReadonlySet<string>;
  remarks: readonly InlineRemark[];
  /**
   * Every call the Rust bitcode makes, by caller and callee, before LTO (from its IR). The
   * report's call sites come from here; without it (native fallback) they come from the
   * object's relocations and the remarks.
   */
  rustCalls?: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** IR signatures: as the Rust bitcode declares each helper, and as the helper bitcode defines it. */
  signatures?: { rust: ReadonlyMap<string, string>; helpers: ReadonlyMap<string, string> };
  /** Globs of helper symbols that must be inlined (e.g. `rust_helper_*`). */
  requireInlined: readonly string[];
  /**
   * The Rust module and every helper module, for diagnosing calls and checking target
   * features. Without it call sites carry no diagnosis and no feature check is made.
   */
  modules?: { rust: ModuleFacts; helpers: readonly ModuleFacts[]; features: FeatureOracle };
  /** Set for the native fallback build: why nothing could be inlined, and what to install. */
  nativeFallback?: { reason: string; packages: readonly string[]; detail?: string; fix?: string };
}

/** The diagnosis of every call in a native fallback build. */
function nativeFallbackDiagnosis(helper: string, caller: string, fallback: NonNullable<ReportInput['nativeFallback']>): Diagnosis {
  const fix = fallback.fix ?? `install ${fallback.packages.join(' ')} (apt-get install -y ${fallback.packages.join(' ')}) and rebuild`;
  const detail = fallback.detail ?? 'the object was built by the system C compiler and ld -r, not by LTO';
  return { cause: 'native-fallback', detail, fix, message: `${helper} is not inlined into ${demangleRust(caller)} (${fallback.reason}): ${detail}. Fix: ${fix}.` };
}

/** Facts of the function `name` defined in one of `modules` (the first that defines it). */
function functionFacts(modules: readonly ModuleFacts[], name: string, prefer?: string): FunctionFacts | undefined {
  const ordered = prefer ? [...modules.filter((m) => m.path === prefer), ...modules.filter((m) => m.path !== prefer)] : modules;
  for (const m of ordered) {
    const fn = m.info.functions.find((f) => f.name === name && !f.isDeclaration);
    const attributes = fn && m.attributes.get(name);
    if (attributes) return { attributes, module: m.info, path: m.path };
  }
  return undefined;
}

const count = <K>(map: Map<K, number>, key: K, n = 1) => map.set(key, (map.get(key) ?? 0) + n);

/** What the object and the remarks say about one helper, by the function that holds the call. */
interface Evidence {
  relocations: Map<string, number>;
  passed: Map<string, InlineRemark[]>;
  missed: Map<string, InlineRemark[]>;
}

function evidenceOf(input: ReportInput, helperNames: ReadonlySet<string>): Map<string, Evidence> {
  const byHelper = new Map<string, Evidence>();
  const of = (h: string) => {
    let e = byHelper.get(h);
    if (!e) byHelper.set(h, (e = { relocations: new Map(), passed: new Map(), missed: new Map() }));
    return e;
  };
  for (const ref of codeReferences(input.elf)) {
    if (helperNames.has(ref.to) && !input.cFunctions.has(ref.from)) count(of(ref.to).relocations, ref.from);
  }
  for (const r of input.remarks) {
    if (!helperNames.has(r.callee) || input.cFunctions.has(r.caller)) continue;
    const list = r.kind === 'Passed' ? of(r.callee).passed : of(r.callee).missed;
    list.set(r.caller, [...(list.get(r.caller) ?? []), r]);
  }
  return byHelper;
}

/** The calls of `helper` per Rust caller: from the Rust bitcode, else (native fallback) from the evidence. */
function bitcodeCalls(input: ReportInput, helper: string, e: Evidence): Map<string, number> {
  const calls = new Map<string, number>();
  if (input.rustCalls) {
    for (const [caller, callees] of input.rustCalls) {
      const n = callees.get(helper);
      if (n && !input.cFunctions.has(caller)) calls.set(caller, n);
    }
    return calls;
  }
  for (const caller of new Set([...e.relocations.keys(), ...e.passed.keys(), ...e.missed.keys()])) {
    calls.set(caller, Math.max(1, e.relocations.get(caller) ?? 0, e.passed.get(caller)?.length ?? 0));
  }
  return calls;
}

type Piece = { caller: string; verdict: Verdict; calls: number; holders: string[]; remark?: InlineRemark };

/**
 * Gives each call of `helper` in the Rust bitcode a verdict. A caller still in the object
 * keeps its calls: as many as its relocations are `call`, then as many as LLVM's `Passed`
 * remarks are `inlined`, the rest `folded`. A caller that is gone (inlined into others)
 * takes its calls' fate from the functions that hold calls or remarks beyond their own
 * bitcode calls. Relocations nobody's bitcode call explains become `call` entries of
 * their function, so no call left in the object goes unreported.
 */
function judge(input: ReportInput, helper: string, e: Evidence, inObject: (f: string) => boolean): Piece[] {
  const calls = bitcodeCalls(input, helper, e);
  const pieces: Piece[] = [];
  const surplus = (m: Map<string, number>) => new Map([...m].map(([f, n]) => [f, n - (calls.get(f) ?? 0)] as [string, number]).filter(([, n]) => n > 0));
  const extraRelocs = surplus(e.relocations);
  const extraPassed = surplus(new Map([...e.passed].map(([f, l]) => [f, l.length])));
  const take = (pool: Map<string, number>, want: number): { n: number; holders: string[] } => {
    let n = 0;
    const holders: string[] = [];
    for (const [f, have] of pool) {
      if (n === want) break;
      const k = Math.min(have, want - n);
      n += k;
      holders.push(f);
      if (have - k) pool.set(f, have - k);
      else pool.delete(f);
    }
    return { n, holders };
  };
  for (const caller of [...calls.keys()].sort()) {
    const n = calls.get(caller)!;
    let rest = n;
    const push = (verdict: Verdict, k: number, holders: string[], remark?: InlineRemark) => {
      if (k > 0) pieces.push({ caller, verdict, calls: k, holders, remark });
      rest -= k;
    };
    const missed = (fs: string[]) => fs.flatMap((f) => e.missed.get(f) ?? [])[0];
    if (inObject(caller)) {
      push('call', Math.min(rest, e.relocations.get(caller) ?? 0), [caller], missed([caller]));
      push('inlined', Math.min(rest, e.passed.get(caller)?.length ?? 0), [caller], e.passed.get(caller)?.[0]);
      push('folded', rest, [caller]);
      continue;
    }
    push('inlined', Math.min(rest, e.passed.get(caller)?.length ?? 0), [caller], e.passed.get(caller)?.[0]);
    const moved = take(extraRelocs, rest);
    push('call', moved.n, moved.holders, missed([caller, ...moved.holders]));
    const inlinedElsewhere = take(extraPassed, rest);
    push('inlined', inlinedElsewhere.n, inlinedElsewhere.holders, e.passed.get(inlinedElsewhere.holders[0])?.[0]);
    push('folded', rest, []);
  }
  for (const [f, n] of [...extraRelocs].sort(([a], [b]) => a.localeCompare(b))) {
    if (!calls.has(f)) pieces.push({ caller: f, verdict: 'call', calls: n, holders: [f], remark: e.missed.get(f)?.[0] });
  }
  return pieces;
}

/** What `folded` means, said once per site. */
function foldedDiagnosis(helper: string, caller: string, calls: number): Diagnosis {
  const detail = `${calls === 1 ? 'the call is' : `${calls} calls are`} in the Rust bitcode but gone from the object without being inlined: LLVM computed the result at compile time (interprocedural constant propagation) or found the call dead, so no call and no inline remark is left`;
  return { cause: 'folded', detail, fix: 'nothing to fix: no call remains', message: `${helper} in ${demangleRust(caller)}: ${detail}.` };
}

/**
 * The report: every call of a helper in the Rust bitcode, judged from the object's
 * relocations (what is left) and LLVM's remarks (why); see judge(). A `call` always
 * carries a diagnosis; the object's undefined symbols are listed for the link-readiness check.
 */
export function buildInlineReport(input: ReportInput): InlineReport {
  const helperNames = new Set(input.helpers.map((h) => h.symbol));
  const isRequired = (symbol: string) => input.requireInlined.length > 0 && picomatch.isMatch(symbol, [...input.requireInlined]);
  const bindings = definedFunctionBindings(input.elf);
  const evidence = evidenceOf(input, helperNames);
  const empty: Evidence = { relocations: new Map(), passed: new Map(), missed: new Map() };

  const featureViolations: FeatureViolation[] = [];
  const seenViolations = new Set<string>();
  const modules = input.modules;
  const allModules = modules ? [modules.rust, ...modules.helpers] : [];
  const siteFacts = (helper: string, file: string, caller: string, remark: CallSite['remark']): SiteFacts | undefined =>
    modules && {
      helper,
      caller,
      callee: functionFacts(modules.helpers, helper, file),
      callerFacts: functionFacts(allModules, caller, modules.rust.path),
      rust: { path: modules.rust.path, info: modules.rust.info },
      remark,
      features: modules.features,
      ...(input.signatures ? { signatures: { rust: input.signatures.rust.get(helper), helper: input.signatures.helpers.get(helper) } } : {}),
    };
  const helpers: HelperEntry[] = [...input.helpers]
    .sort((a, b) => a.symbol.localeCompare(b.symbol))
    .map(({ symbol, definedIn: file }) => {
      const e = evidence.get(symbol) ?? empty;
      const callSites = judge(input, symbol, e, (f) => bindings.has(f)).map((p): CallSite => {
        const remark = p.remark ? { kind: p.remark.kind, name: p.remark.name, message: p.remark.message } : undefined;
        const holder = p.holders.find((f) => f !== p.caller);
        const facts = p.verdict === 'folded' ? undefined : siteFacts(symbol, file, holder ?? p.caller, remark);
        if (facts && (p.verdict === 'inlined' || p.verdict === 'call')) {
          const violation = featureViolation(facts, p.verdict);
          const key = `${symbol}\0${facts.caller}`;
          if (violation && !seenViolations.has(key)) {
            seenViolations.add(key);
            featureViolations.push(violation);
          }
        }
        const relocations = p.verdict === 'call' ? p.holders.reduce((n, f) => n + (e.relocations.get(f) ?? 0), 0) : 0;
        const diagnosis =
          p.verdict === 'folded'
            ? foldedDiagnosis(symbol, p.caller, p.calls)
            : p.verdict !== 'call'
              ? undefined
              : input.nativeFallback
                ? nativeFallbackDiagnosis(symbol, p.caller, input.nativeFallback)
                : facts
                  ? diagnoseCall(facts)
                  : undefined;
        return {
          caller: p.caller,
          verdict: p.verdict,
          calls: p.calls,
          relocations,
          callerInObject: bindings.has(p.caller),
          ...(holder ? { movedTo: p.holders.filter((f) => f !== p.caller) } : {}),
          ...(remark ? { remark } : {}),
          ...(diagnosis ? { diagnosis } : {}),
        };
      });
      return { symbol, definedIn: file, required: isRequired(symbol), outOfLineCopy: bindings.get(symbol) ?? 'absent', callSites };
    });

  const all = helpers.flatMap((h) => h.callSites);
  const sum = (sites: CallSite[], verdict?: Verdict) => sites.filter((s) => !verdict || s.verdict === verdict).reduce((n, s) => n + s.calls, 0);
  const undefinedList = undefinedSymbols(input.elf);
  return {
    schemaVersion: 1,
    object: input.object,
    build: input.nativeFallback ? 'native' : 'lto',
    summary: {
      helpers: helpers.length,
      callSites: sum(all),
      inlined: sum(all, 'inlined'),
      calls: sum(all, 'call'),
      folded: sum(all, 'folded'),
      requiredCalls: sum(helpers.filter((h) => h.required).flatMap((h) => h.callSites), 'call'),
      leakedHelpers: helpers.filter((h) => h.outOfLineCopy === 'global' || h.outOfLineCopy === 'weak').length,
      featureViolations: featureViolations.length,
      undefinedSymbols: undefinedList.length,
      rustRuntimeSymbols: undefinedList.filter((u) => u.rustRuntime).length,
    },
    helpers,
    featureViolations,
    undefinedSymbols: undefinedList,
  };
}
