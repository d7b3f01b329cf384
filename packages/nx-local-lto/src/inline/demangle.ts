const ESCAPES: Record<string, string> = {
  SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',',
};

/**
 * Readable form of a Rust symbol in the legacy mangling (`_ZN4kuid4Kuid3raw17h0123456789abcdefE`
 * gives `kuid::Kuid::raw`), as rustc's own demangler prints it without the hash. Other
 * names (C symbols) are returned unchanged; v0 (`_R`) paths are demangled by demangleV0Path.
 */
export function demangleRust(symbol: string): string {
  if (symbol.startsWith('_R')) return demangleV0Path(symbol) ?? symbol;
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

/**
 * The path of a Rust v0 symbol (`_RNvNtCs1234_4core9panicking18panic_bounds_check` gives
 * `core::panicking::panic_bounds_check`): crate roots, nested names and generic
 * arguments' omission, per the v0 grammar (rustc-dev-guide, "v0 Symbol Format").
 * Returns undefined for forms it does not read (impl paths, back references).
 */
export function demangleV0Path(symbol: string): string | undefined {
  let i = symbol.startsWith('__R') ? 3 : 2;
  while (i < symbol.length && /[0-9]/.test(symbol[i])) i++; // encoding version
  const base62 = () => {
    while (i < symbol.length && symbol[i] !== '_') i++;
    i++;
  };
  const ident = (): string | undefined => {
    if (symbol[i] === 's') {
      i++;
      base62();
    }
    const punycode = symbol[i] === 'u';
    if (punycode) i++;
    const len = /^\d+/.exec(symbol.slice(i));
    if (!len) return undefined;
    i += len[0].length;
    if (symbol[i] === '_') i++;
    const text = symbol.slice(i, i + Number(len[0]));
    i += Number(len[0]);
    return punycode ? `{punycode ${text}}` : text;
  };
  const path = (): string[] | undefined => {
    const tag = symbol[i++];
    if (tag === 'C') {
      const name = ident();
      return name === undefined ? undefined : [name];
    }
    if (tag === 'N') {
      const ns = symbol[i++];
      const parent = path();
      const name = ident();
      if (!parent || name === undefined) return undefined;
      return [...parent, /[A-Z]/.test(ns) ? `{${ns === 'C' ? 'closure' : ns === 'S' ? 'shim' : ns}${name ? `:${name}` : ''}}` : name];
    }
    return undefined;
  };
  const parts = path();
  return parts?.join('::');
}
