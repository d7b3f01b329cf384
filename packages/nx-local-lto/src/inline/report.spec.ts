import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBitcodeModuleInfo } from '../bitcode/module-info';
import { codeReferences } from '../elf/code-references';
import { readElf } from '../elf/elf';
import { lldRelocatableArgs, llvmLinkArgs } from '../pipeline/commands';
import { readInlineRemarks, remarkFiles } from './remarks';
import { buildInlineReport } from './report';
import { formatInlineTable } from './table';

/**
 * The report on a real object with a positive control: `helper_kept` is `noinline`, so its
 * call must stay, reached through the LOCAL section symbol after internalization.
 */
describe('buildInlineReport on a real local-LTO object', () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-'));
  writeFileSync(join(dir, 'lib.rs'), [
    '#![no_std]',
    'extern "C" { fn helper_inl(x: u32) -> u32; fn helper_kept(x: u32) -> u32; }',
    '#[no_mangle] pub extern "C" fn entry(x: u32) -> u32 { unsafe { helper_inl(x).wrapping_add(helper_kept(x)) } }',
    '#[no_mangle] pub extern "C" fn other(x: u32) -> u32 { unsafe { helper_kept(x ^ 5) } }',
  ].join('\n'));
  writeFileSync(join(dir, 'h.c'), [
    'static inline unsigned twice(unsigned x) { return x * 2; }',
    'unsigned helper_inl(unsigned x) { return twice(x); }',
    '__attribute__((noinline)) unsigned helper_kept(unsigned x) { return x * 7 + 1; }',
    'unsigned helper_unused(unsigned x) { return x; }',
  ].join('\n'));
  const run = (file: string, args: string[]) => execFileSync(file, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  run('rustc', ['-O', '--crate-type=lib', '-Cpanic=abort', '-Ccodegen-units=1', '--emit=llvm-bc', '-o', 'rust.bc', 'lib.rs']);
  run('clang-22', ['--target=x86_64-unknown-linux-gnu', '-O2', '-flto=thin', '-c', 'h.c', '-o', 'h.bc']);
  run('llvm-link-22', llvmLinkArgs('rust.bc', ['h.bc'], 'm.bc'));
  run('ld.lld-22', lldRelocatableArgs(['m.bc'], 'out.o', '2', join(dir, 'r.yaml')));
  const c = readBitcodeModuleInfo(join(dir, 'h.bc'));
  const defined = c.functions.filter((f) => !f.isDeclaration);
  const report = buildInlineReport({
    object: 'out.o',
    elf: readElf(join(dir, 'out.o')),
    helpers: defined.filter((f) => !f.isLocal).map((f) => ({ symbol: f.name, definedIn: 'h.bc' })),
    cFunctions: new Set(defined.map((f) => f.name)),
    remarks: readInlineRemarks(remarkFiles(join(dir, 'r.yaml'))),
    requireInlined: ['helper_*'],
  });
  const helper = (name: string) => report.helpers.find((h) => h.symbol === name)!;

  it('marks the inlinable helper inlined, with LLVM remark', () => {
    expect(helper('helper_inl').callSites).toEqual([
      expect.objectContaining({ caller: 'entry', verdict: 'inlined', relocations: 0, remark: expect.objectContaining({ kind: 'Passed' }) }),
    ]);
    expect(helper('helper_inl').outOfLineCopy).toBe('absent');
  });

  it('marks the noinline helper a call from both callers, resolved through the local section symbol', () => {
    const sites = helper('helper_kept').callSites;
    expect(sites.map((s) => [s.caller, s.verdict])).toEqual([['entry', 'call'], ['other', 'call']]);
    expect(sites.every((s) => s.relocations >= 1)).toBe(true);
    expect(sites[0].remark).toEqual(expect.objectContaining({ kind: 'Missed', name: 'NeverInline' }));
    // Every argument as LLVM wrote it (scalars kept as text), as -Rpass-missed=inline prints it.
    expect(sites[0].remark?.message).toBe("'helper_kept' not inlined into 'entry' because it should never be inlined (cost=never): noinline function attribute");
    expect(helper('helper_kept').outOfLineCopy).toBe('local');
    const elf = readElf(join(dir, 'out.o'));
    const viaSection = elf.symbols.filter((s) => s.name === '.text.helper_kept' || s.name === 'helper_kept');
    expect(viaSection.length).toBeGreaterThan(0);
  });

  it('counts required calls and unused helpers', () => {
    expect(report.summary).toEqual({ helpers: 3, callSites: 3, inlined: 1, calls: 2, folded: 0, requiredCalls: 2, leakedHelpers: 0, featureViolations: 0, undefinedSymbols: 0, rustRuntimeSymbols: 0 });
    expect(helper('helper_unused').callSites).toEqual([]);
  });

  it('never says inlined where the caller still references the helper', () => {
    const refs = codeReferences(readElf(join(dir, 'out.o')));
    for (const h of report.helpers) {
      for (const s of h.callSites.filter((x) => x.verdict === 'inlined')) {
        expect(refs.some((r) => r.from === s.caller && r.to === h.symbol)).toBe(false);
      }
    }
  });

  it('prints a table naming each site and its reason', () => {
    const table = formatInlineTable(report);
    expect(table).toMatch(/helper_kept\s+entry\s+CALL \(required\)\s+NeverInline/);
    expect(table).toMatch(/helper_inl\s+entry\s+inlined/);
    expect(table).toMatch(/1 helpers are not called from Rust code/);
  });
});
