/**
 * What the report needs from a module's textual IR (`llvm-link -S`, the same text as
 * `llvm-dis`): every direct call instruction per calling function, and the IR signature of
 * every function the module declares or defines. Read from the text because the call list
 * must come from the bitcode as compiled, before LTO folds or inlines anything (F16).
 */
export interface IrFacts {
  /** caller -> callee -> number of `call`/`invoke`/`callbr` instructions naming the callee. */
  calls: Map<string, Map<string, number>>;
  /** Function name -> IR signature without attributes, e.g. `i64 ({ i64, i64 })`. */
  signatures: Map<string, string>;
}

const NAME = String.raw`@("(?:[^"\\]|\\.)*"|[-a-zA-Z$._0-9]+)`;
const DEFINE_OR_DECLARE = new RegExp(String.raw`^(define|declare)\b(.*?)\s${NAME}\(`);
const CALL = new RegExp(String.raw`\b(?:call|invoke|callbr)\b[^@]*?${NAME}\(`, 'g');

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/\\([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : name;
}

/** The text from `open` (an opening bracket at `start`) to its matching close, inclusive. */
function balanced(text: string, start: number): string {
  const pairs: Record<string, string> = { '(': ')', '{': '}', '[': ']', '<': '>' };
  const stack: string[] = [];
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (pairs[ch]) stack.push(pairs[ch]);
    else if (ch === stack[stack.length - 1]) {
      stack.pop();
      if (!stack.length) return text.slice(start, i + 1);
    }
  }
  return text.slice(start);
}

/** The leading type of `text` (a parameter or a return slot): `{ i64, i64 }`, `ptr`, `<2 x double>`, `%struct.s`. */
function leadingType(text: string): string {
  const t = text.trim();
  if ('{[<'.includes(t[0])) return balanced(t, 0);
  const m = /^(?:%"[^"]*"|[^\s,()]+)(?:\s+addrspace\(\d+\))?/.exec(t);
  return m ? m[0] : t;
}

/** Splits a parameter list at top-level commas. */
function splitTop(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of list) {
    if ('({[<'.includes(ch)) depth++;
    else if (')}]>'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  if (current.trim()) out.push(current);
  return out.map((s) => s.trim());
}

/** The return type: the last type before the function name, after linkage and return attributes. */
function returnType(head: string): string {
  const t = head.trim();
  const last = t[t.length - 1];
  if ('}]>'.includes(last)) {
    const open = { '}': '{', ']': '[', '>': '<' }[last]!;
    let depth = 0;
    for (let i = t.length - 1; i >= 0; i--) {
      if (t[i] === last) depth++;
      else if (t[i] === open && --depth === 0) return t.slice(i);
    }
  }
  return t.split(/\s+/).pop() ?? '';
}

/** Parses textual IR (see IrFacts). */
export function parseIrText(text: string): IrFacts {
  const calls = new Map<string, Map<string, number>>();
  const signatures = new Map<string, string>();
  let current: Map<string, number> | undefined;
  for (const line of text.split('\n')) {
    const head = DEFINE_OR_DECLARE.exec(line);
    if (head) {
      const name = unquote(head[3]);
      const params = balanced(line, head.index + head[0].length - 1).slice(1, -1);
      signatures.set(name, `${returnType(head[2])} (${splitTop(params).map(leadingType).join(', ')})`);
      if (head[1] === 'define' && line.trimEnd().endsWith('{')) {
        current = calls.get(name) ?? new Map();
        calls.set(name, current);
      }
      continue;
    }
    if (line.startsWith('}')) {
      current = undefined;
      continue;
    }
    if (!current) continue;
    for (const m of line.matchAll(CALL)) {
      const callee = unquote(m[1]);
      if (callee.startsWith('llvm.')) continue;
      current.set(callee, (current.get(callee) ?? 0) + 1);
    }
  }
  return { calls, signatures };
}
