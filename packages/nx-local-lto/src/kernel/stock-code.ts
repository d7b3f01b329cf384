import { demangleRust } from '../inline/demangle';

/**
 * The stock `core`/`alloc` in a self-contained kernel object (issue 15). Their bitcode ships
 * with rustc, compiled for the stock target: after fat LTO their functions keep their own
 * attributes (SSE allowed, plain `ret`, no retpolines, unwind tables), so objtool and the
 * kernel would reject them. The crate's own code was compiled with the tree's flags
 * (kernel/rust-flags.ts); its exported functions carry the code-generation attributes every
 * function needs. This module gives them to every defined function, in the textual IR (pure),
 * and refuses what attributes cannot fix: floating point and x86 SIMD intrinsics.
 */

/** Function attributes that decide how a function is compiled for the kernel: taken from the crate's code. */
const CODEGEN_KEYS: ReadonlySet<string> = new Set([
  '"target-cpu"', '"target-features"', '"tune-cpu"', '"frame-pointer"', '"probe-stack"',
  'fn_ret_thunk_extern', 'noredzone', 'uwtable',
]);

const NAME = String.raw`@(?:"(?:[^"\\]|\\.)*"|[-a-zA-Z$._0-9]+)`;
const DEFINE = new RegExp(String.raw`^define\b[^@]*?(${NAME})\(`);
const GROUP_USE = /\s#(\d+)\b/;
const GROUP_DEF = /^attributes #(\d+) = \{ (.*) \}$/;
const GLOBAL_DEF = new RegExp(String.raw`^(${NAME}) = `);
const FLOAT_TYPE = /\b(half|bfloat|float|double|x86_fp80|fp128)\b/;

/** What kernel code cannot have, found in one function. */
export interface StockCodeViolation {
  function: string;
  reason: string;
  /** From an exported function of the crate to `function`: the Rust code that pulled it in. */
  chain: string[];
}

export interface KernelConformedIr {
  text: string;
  /** Functions whose code-generation attributes were replaced by the crate's. */
  rewritten: string[];
  violations: StockCodeViolation[];
}

/** Tokens of an attribute group: `"k"="v"`, `"k"`, `word`, `word(args)`. */
function tokens(body: string): string[] {
  return body.match(/"(?:[^"\\]|\\.)*"(?:="(?:[^"\\]|\\.)*")?|[^\s(]+(?:\([^)]*\))?/g) ?? [];
}

function key(token: string): string {
  return token.startsWith('"') ? token.replace(/^("(?:[^"\\]|\\.)*").*$/, '$1') : token.replace(/\(.*$/, '');
}

function unquoteName(name: string): string {
  const n = name.slice(1);
  return n.startsWith('"') ? n.slice(1, -1) : n;
}

function features(groupTokens: readonly string[]): string[] {
  const t = groupTokens.find((x) => key(x) === '"target-features"');
  return t ? t.replace(/^"target-features"="(.*)"$/, '$1').split(',').filter(Boolean) : [];
}

interface Definition {
  name: string;
  line: number;
  end: number;
  group?: string;
  exported: boolean;
}

/** Function definitions: name, first and last line, attribute group, and whether it is exported. */
function definitions(lines: readonly string[]): Definition[] {
  const out: Definition[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = DEFINE.exec(lines[i]);
    if (!m) continue;
    let end = i;
    while (end < lines.length && lines[end] !== '}') end++;
    // The group follows the parameter list: search after the name's closing parenthesis.
    const head = lines[i].slice(lines[i].lastIndexOf(')'));
    const g = GROUP_USE.exec(head);
    const linkage = lines[i].slice(0, lines[i].indexOf(m[1]));
    out.push({ name: unquoteName(m[1]), line: i, end, group: g?.[1], exported: !/\b(internal|private)\b/.test(linkage) });
    i = end;
  }
  return out;
}

/** Names a piece of IR refers to (`@f`, `@"f"`). */
function references(text: string): string[] {
  return (text.match(new RegExp(NAME, 'g')) ?? []).map(unquoteName);
}

/** A function body with its names, metadata and string literals removed: what is left are types and instructions. */
function typesAndInstructions(text: string): string {
  return text.replace(new RegExp(NAME, 'g'), '').replace(/[%!](?:"(?:[^"\\]|\\.)*"|[-a-zA-Z$._0-9]+)/g, '').replace(/c"(?:[^"\\]|\\.)*"/g, '');
}

/** Why a function cannot be kernel code, if it cannot. */
function violation(body: string, own: readonly string[], reference: ReadonlySet<string>): string | undefined {
  const float = FLOAT_TYPE.exec(typesAndInstructions(body));
  if (float) return `uses floating point (${float[1]}): the kernel saves no FPU state, and soft-float would call libgcc routines it does not export`;
  const simd = /@"?llvm\.x86\.[a-z0-9_.]+/.exec(body);
  if (simd) return `uses the x86 SIMD intrinsic ${simd[0].replace(/^@"?/, '')}`;
  const enabled = own.filter((f) => f.startsWith('+') && reference.has(`-${f.slice(1)}`));
  if (enabled.length) return `enables target feature(s) ${enabled.join(',')}, which the tree's flags turn off`;
  return undefined;
}

/** Shortest path over `edges` from a root to `to` (the roots themselves included). */
function chainTo(to: string, roots: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[] {
  const parent = new Map<string, string | undefined>(roots.map((r) => [r, undefined]));
  const queue = [...roots];
  while (queue.length) {
    const n = queue.shift()!;
    if (n === to) break;
    for (const m of edges.get(n) ?? []) {
      if (!parent.has(m)) {
        parent.set(m, n);
        queue.push(m);
      }
    }
  }
  if (!parent.has(to)) return [to];
  const chain: string[] = [];
  for (let n: string | undefined = to; n !== undefined; n = parent.get(n)) chain.unshift(n);
  return chain;
}

/**
 * Gives every function defined in `ir` the code-generation attributes of the crate's first
 * exported function (the reference: compiled with the tree's flags), and lists what no
 * attribute can make kernel code, each with the chain of functions from an export.
 */
export function conformStockCode(ir: string): KernelConformedIr {
  const lines = ir.split('\n');
  const groups = new Map<string, string[]>();
  lines.forEach((l) => {
    const m = GROUP_DEF.exec(l);
    if (m) groups.set(m[1], tokens(m[2]));
  });
  const defs = definitions(lines);
  const exports = defs.filter((d) => d.exported);
  const ref = exports.map((d) => (d.group ? groups.get(d.group) : undefined)).find((g) => g && features(g).length);
  if (!ref) return { text: ir, rewritten: [], violations: [] };
  const refCodegen = ref.filter((t) => CODEGEN_KEYS.has(key(t)));
  const refFeatures = new Set(features(ref));

  // Who refers to whom (functions and globals such as vtables), for the chains in messages.
  const edges = new Map<string, string[]>();
  defs.forEach((d) => edges.set(d.name, references(lines.slice(d.line, d.end + 1).join('\n')).filter((n) => n !== d.name)));
  for (const l of lines) {
    const g = GLOBAL_DEF.exec(l);
    if (g) edges.set(unquoteName(g[1]), references(l.slice(g[0].length)));
  }

  let next = Math.max(-1, ...[...groups.keys()].map(Number)) + 1;
  const replaced = new Map<string, string>();
  const added: string[] = [];
  const rewritten: string[] = [];
  const violations: StockCodeViolation[] = [];
  for (const d of defs) {
    const own = d.group ? groups.get(d.group) ?? [] : [];
    const why = violation(lines.slice(d.line, d.end + 1).join('\n'), features(own), refFeatures);
    if (why) violations.push({ function: d.name, reason: why, chain: chainTo(d.name, exports.map((e) => e.name), edges) });
    const kept = own.filter((t) => !CODEGEN_KEYS.has(key(t)));
    const ownExtra = features(own).filter((f) => !refFeatures.has(f) && !refFeatures.has(`-${f.slice(1)}`));
    const codegen = ownExtra.length
      ? refCodegen.map((t) => (key(t) === '"target-features"' ? `"target-features"="${[...refFeatures, ...ownExtra].join(',')}"` : t))
      : refCodegen;
    const body = [...kept, ...codegen].join(' ');
    if ([...kept, ...codegen].sort().join(' ') === [...own].sort().join(' ')) continue;
    const cacheKey = `${d.group ?? ''}|${ownExtra.join(',')}`;
    let id = replaced.get(cacheKey);
    if (id === undefined) {
      id = String(next++);
      replaced.set(cacheKey, id);
      added.push(`attributes #${id} = { ${body} }`);
    }
    const head = lines[d.line];
    const close = head.lastIndexOf(')');
    lines[d.line] = d.group
      ? head.slice(0, close) + head.slice(close).replace(GROUP_USE, ` #${id}`)
      : head.slice(0, close + 1) + ` #${id}` + head.slice(close + 1);
    rewritten.push(d.name);
  }
  return { text: [...withoutGotLibcalls(lines), ...added, ''].join('\n'), rewritten, violations };
}

/**
 * The module without the `RtLibUseGOT` flag that the stock core's modules bring (rustc's
 * default -Zplt=no): with it, LLVM calls memcpy/memset through the GOT (R_X86_64_REX_GOTPCRELX),
 * which the module loader refuses. The crate's own code is built with -Zplt=yes (rust-flags.ts).
 */
function withoutGotLibcalls(lines: readonly string[]): string[] {
  const ids = lines.map((l) => /^(!\d+) = !\{i32 \d+, !"RtLibUseGOT", i32 1\}$/.exec(l)?.[1]).filter((id): id is string => !!id);
  if (!ids.length) return [...lines];
  return lines.map((l) => {
    if (!l.startsWith('!llvm.module.flags = !{')) return l;
    const list = l.slice(l.indexOf('{') + 1, l.lastIndexOf('}')).split(',').map((x) => x.trim());
    return `!llvm.module.flags = !{${list.filter((x) => !ids.includes(x)).join(', ')}}`;
  });
}

/** One line per violation (at most `max`), nearest to the crate's code first, names through `name`. */
export function formatStockCodeViolations(violations: readonly StockCodeViolation[], name: (symbol: string) => string = demangleRust, max = 3): string[] {
  const shown = [...violations].sort((a, b) => a.chain.length - b.chain.length).slice(0, max);
  const lines = shown.map((v) => `${name(v.function)} ${v.reason} (pulled in by ${v.chain.map(name).join(' -> ')})`);
  if (violations.length > max) lines.push(`and ${violations.length - max} more function(s) like these`);
  return lines;
}
