import { demangleRust } from './demangle';
import { InlineReport } from './report';

/** `n` and `noun`, plural unless n is 1: "1 call site", "0 calls". */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * The report as a terminal table: one row per call site (helper, Rust caller, verdict,
 * LLVM's reason; calls of one caller share a row per verdict) with, under each `call`, one `why:` line (cause, flag, fix); then one line
 * per helper that left a global out-of-line copy and one per target-feature violation.
 */
export function formatInlineTable(report: InlineReport): string {
  const s = report.summary;
  const lines = [
    `inline report for ${report.object}: ${count(s.callSites, 'call site')} of ${count(s.helpers, 'helper')}, ${s.inlined} inlined, ${count(s.calls, 'call')}` +
      (s.folded ? `, ${s.folded} folded` : ''),
  ];
  const rows = report.helpers.flatMap((h) =>
    h.callSites.map((c) => [
      h.symbol,
      demangleRust(c.caller) + (c.calls > 1 ? ` (${c.calls} calls)` : ''),
      c.verdict === 'call' && h.required ? 'CALL (required)' : c.verdict,
      c.remark ? `${c.remark.name}: ${c.remark.message}` : c.verdict === 'call' ? `${c.relocations} relocation(s)` : c.verdict === 'folded' ? 'no call left, no remark' : '',
    ]),
  );
  if (rows.length) {
    const header = ['helper', 'Rust caller', 'verdict', 'LLVM remark'];
    const widths = header.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[i].length))));
    const fmt = (r: string[]) => '  ' + r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ');
    lines.push(fmt(header));
    // A native fallback build has one reason for every call: say it once, below.
    const diagnoses = report.build === 'native' ? [] : report.helpers.flatMap((h) => h.callSites.map((c) => (c.verdict === 'call' ? c.diagnosis : undefined)));
    rows.forEach((row, i) => {
      lines.push(fmt(row));
      const d = diagnoses[i];
      if (d) lines.push(`      why: ${d.message}`);
    });
  }
  const native = report.helpers.flatMap((h) => h.callSites).find((c) => c.diagnosis?.cause === 'native-fallback')?.diagnosis;
  if (native) lines.push(`  every call: ${native.detail} (fallback build without LLVM bitcode). Fix: ${native.fix}.`);
  const unused = report.helpers.filter((h) => h.callSites.length === 0).length;
  if (unused) lines.push(`  (${unused} helpers are not called from Rust code)`);
  for (const h of report.helpers) {
    if (h.outOfLineCopy === 'global' || h.outOfLineCopy === 'weak') {
      lines.push(`  warning: ${h.symbol} is still a ${h.outOfLineCopy} symbol in the object (not internalized)`);
    }
  }
  for (const v of report.featureViolations ?? []) lines.push(`  error: ${v.message}`);
  const undef = report.undefinedSymbols ?? [];
  if (undef.length) lines.push(`  undefined (the final link provides them): ${undef.map((u) => u.demangled + (u.rustRuntime ? ' [Rust runtime]' : '')).join(', ')}`);
  return lines.join('\n');
}
