const ESCAPES: Record<string, string> = {
  SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',',
};

/**
 * Readable form of a Rust symbol in the legacy mangling (`_ZN4kuid4Kuid3raw17h0123456789abcdefE`
 * gives `kuid::Kuid::raw`), as rustc's own demangler prints it without the hash. Other
 * names (C symbols, v0 `_R` names) are returned unchanged.
 */
export function demangleRust(symbol: string): string {
  const m = /^_?_ZN(.*)E(?:\.llvm\.\d+)?$/.exec(symbol);
  if (!m) return symbol;
  const parts: string[] = [];
  let rest = m[1];
  while (rest.length) {
    const len = /^\d+/.exec(rest);
    if (!len) return symbol;
    const n = Number(len[0]);
    parts.push(rest.slice(len[0].length, len[0].length + n));
    rest = rest.slice(len[0].length + n);
  }
  if (parts.length > 1 && /^h[0-9a-f]{16}$/.test(parts[parts.length - 1])) parts.pop();
  return parts
    .map((p) =>
      p
        .replace(/^_\$/, '$')
        .replace(/\$([A-Z]{1,2})\$/g, (all, code: string) => ESCAPES[code] ?? all)
        .replace(/\$u([0-9a-f]+)\$/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
        .replace(/\.\./g, '::'),
    )
    .join('::');
}
