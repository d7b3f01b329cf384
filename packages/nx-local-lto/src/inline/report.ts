import picomatch from 'picomatch';
import { codeReferences, definedFunctionBindings } from '../elf/code-references';
import { ElfObject } from '../elf/elf';
import { FunctionAttributes } from '../bitcode/attributes';
import { BitcodeModuleInfo } from '../bitcode/module-info';
import { Diagnosis, diagnoseCall, FeatureViolation, featureViolation, FunctionFacts, SiteFacts } from './diagnosis';
import { demangleRust } from './demangle';
import { ObjectSize } from './object-size';
import { InlineRemark } from './remarks';

/** `inlined`: no relocation to the helper is left in the caller; `call`: a real call remains. */
export type Verdict = 'inlined' | 'call';

/** One Rust function that calls one helper. */
export interface CallSite {
  /** The calling function's symbol (Rust mangled name). */
  caller: string;
  verdict: Verdict;
  /** Relocations against the helper left in the caller's code (the ground truth; 0 when inlined). */
  relocations: number;
  /** Whether the caller still exists as a function in the object (false: it was inlined into others). */
  callerInObject: boolean;
  /** LLVM's inline remark for this call site (the reason), when one was emitted. */
  remark?: { kind: InlineRemark['kind']; name: string; message: string };
  /** For a `call`: why, from the caller's and the helper's attributes in the bitcode, and the fix. */
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
    requiredCalls: number;
    leakedHelpers: number;
    featureViolations: number;
  };
  helpers: HelperEntry[];
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
  /** Globs of helper symbols that must be inlined (e.g. `rust_helper_*`). */
  requireInlined: readonly string[];
  /**
   * The Rust module and every helper module, for diagnosing calls and checking target
   * features. Without it call sites carry no diagnosis and no feature check is made.
   */
  modules?: { rust: ModuleFacts; helpers: readonly ModuleFacts[] };
  /** Set for the native fallback build: why nothing could be inlined, and what to install. */
  nativeFallback?: { reason: string; packages: readonly string[] };
}

/** The diagnosis of every call in a native fallback build. */
function nativeFallbackDiagnosis(helper: string, caller: string, fallback: NonNullable<ReportInput['nativeFallback']>): Diagnosis {
  const fix = `install ${fallback.packages.join(' ')} (apt-get install -y ${fallback.packages.join(' ')}) and rebuild`;
  const detail = 'the object was built by the system C compiler and ld -r, not by LTO';
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

/**
 * Joins relocations (what) and remarks (why) into the report. A site is `call` whenever
 * the caller's code still has a relocation to the helper, whatever the remarks say; and
 * when the caller is gone from the object, only a `Passed` remark makes it `inlined`.
 */
export function buildInlineReport(input: ReportInput): InlineReport {
  const helperNames = new Set(input.helpers.map((h) => h.symbol));
  const isRequired = (symbol: string) => input.requireInlined.length > 0 && picomatch.isMatch(symbol, [...input.requireInlined]);
  const bindings = definedFunctionBindings(input.elf);
  const sites = new Map<string, Map<string, { relocations: number; remarks: InlineRemark[] }>>();
  const site = (helper: string, caller: string) => {
    let byCaller = sites.get(helper);
    if (!byCaller) sites.set(helper, (byCaller = new Map()));
    let entry = byCaller.get(caller);
    if (!entry) byCaller.set(caller, (entry = { relocations: 0, remarks: [] }));
    return entry;
  };
  for (const ref of codeReferences(input.elf)) {
    if (helperNames.has(ref.to) && !input.cFunctions.has(ref.from)) site(ref.to, ref.from).relocations++;
  }
  for (const remark of input.remarks) {
    if (helperNames.has(remark.callee) && !input.cFunctions.has(remark.caller)) site(remark.callee, remark.caller).remarks.push(remark);
  }

  const featureViolations: FeatureViolation[] = [];
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
    };
  const helpers: HelperEntry[] = [...input.helpers]
    .sort((a, b) => a.symbol.localeCompare(b.symbol))
    .map(({ symbol, definedIn: file }) => {
      const callSites = [...(sites.get(symbol)?.entries() ?? [])]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([caller, { relocations, remarks }]): CallSite => {
          const callerInObject = bindings.has(caller);
          const passed = remarks.find((r) => r.kind === 'Passed');
          const verdict: Verdict = relocations > 0 || (!callerInObject && !passed) ? 'call' : 'inlined';
          const chosen = verdict === 'inlined' ? passed ?? remarks[0] : remarks.find((r) => r.kind === 'Missed') ?? remarks[0];
          const remark = chosen ? { kind: chosen.kind, name: chosen.name, message: chosen.message } : undefined;
          const facts = siteFacts(symbol, file, caller, remark);
          if (facts) {
            const violation = featureViolation(facts, verdict);
            if (violation) featureViolations.push(violation);
          }
          return {
            caller,
            verdict,
            relocations,
            callerInObject,
            ...(remark ? { remark } : {}),
            ...(verdict === 'call' && input.nativeFallback ? { diagnosis: nativeFallbackDiagnosis(symbol, caller, input.nativeFallback) } : {}),
            ...(verdict === 'call' && facts ? { diagnosis: diagnoseCall(facts) } : {}),
          };
        });
      return { symbol, definedIn: file, required: isRequired(symbol), outOfLineCopy: bindings.get(symbol) ?? 'absent', callSites };
    });

  const all = helpers.flatMap((h) => h.callSites);
  return {
    schemaVersion: 1,
    object: input.object,
    build: input.nativeFallback ? 'native' : 'lto',
    summary: {
      helpers: helpers.length,
      callSites: all.length,
      inlined: all.filter((s) => s.verdict === 'inlined').length,
      calls: all.filter((s) => s.verdict === 'call').length,
      requiredCalls: helpers.filter((h) => h.required).flatMap((h) => h.callSites).filter((s) => s.verdict === 'call').length,
      leakedHelpers: helpers.filter((h) => h.outOfLineCopy === 'global' || h.outOfLineCopy === 'weak').length,
      featureViolations: featureViolations.length,
    },
    helpers,
    featureViolations,
  };
}
