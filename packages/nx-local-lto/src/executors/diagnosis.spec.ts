/**
 * Integration tests of the inline report's diagnosis: the real executors (rust-bc, clang-bc,
 * lld-relocatable) and real LLVM 22 tools on shared cases 02 and 03 and one fixture per
 * blocker kind. Each asserts the verdict `call`, the cause and the flag read from the
 * bitcode attributes, then applies the fix the message names and asserts `inlined`.
 * Every report is checked against the object's relocations (never `inlined` while the
 * caller still references the helper).
 */
import { logger } from '@nx/devkit';
import Ajv from 'ajv';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFunctionAttributes } from '../bitcode/attributes';
import { readBitcodeModuleInfo } from '../bitcode/module-info';
import { codeReferences } from '../elf/code-references';
import { readElf } from '../elf/elf';
import { diagnoseCall } from '../inline/diagnosis';
import reportSchema from '../inline/inline-report.schema.json';
import { InlineReport } from '../inline/report';
import clangBc from './clang-bc/executor';
import lldRelocatable from './lld-relocatable/executor';
import doctor from './doctor/executor';
import rustBc from './rust-bc/executor';
import { createFixtureWorkspace, FixtureWorkspace } from './testing/fixture-workspace';

const RUST_BC = 'dist/drv/rust/drv.bc';
const HELPERS_BC = 'dist/drv/c/helpers.bc';
const OBJECT = 'dist/drv/drv.o';
const REPORT = 'dist/drv/inline-report.json';

interface Out {
  errors: string[];
  warnings: string[];
  all: string[];
}

/** Runs `fn` with the logger and console captured (the executors print through both). */
async function captured<T>(fn: () => Promise<T>): Promise<{ result: T; out: Out }> {
  const out: Out = { errors: [], warnings: [], all: [] };
  const str = (a: unknown[]) => a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ');
  const spies = [
    jest.spyOn(logger, 'error').mockImplementation((...a: unknown[]) => void (out.errors.push(str(a)), out.all.push(str(a)))),
    jest.spyOn(logger, 'warn').mockImplementation((...a: unknown[]) => void (out.warnings.push(str(a)), out.all.push(str(a)))),
    jest.spyOn(logger, 'info').mockImplementation((...a: unknown[]) => void out.all.push(str(a))),
    jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.all.push(str(a))),
  ];
  try {
    return { result: await fn(), out };
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
}

const workspaces: FixtureWorkspace[] = [];
afterAll(() => workspaces.forEach((w) => w.dispose()));
const checked: Array<{ ws: FixtureWorkspace; report: InlineReport }> = [];

const HELPER_BODY = 'static inline unsigned int scale_inline(unsigned int x) { return x * 3u; }\n';
const helperSource = (prefix: string) => `${HELPER_BODY}${prefix}unsigned int helper_scale(unsigned int x) { return scale_inline(x); }\n`;

interface Build {
  ws: FixtureWorkspace;
  result: { success: boolean };
  out: Out;
  report: InlineReport;
}

/**
 * Builds case `caseName` (driver.rs calling helper_scale) through the three executors, with
 * `source` as helpers.c when given, and returns the report (checked against the object).
 */
async function build(caseName: string, opts: { source?: string; rust?: Record<string, unknown>; clang?: Record<string, unknown>; lld?: Record<string, unknown> } = {}): Promise<Build> {
  const ws = createFixtureWorkspace(caseName);
  workspaces.push(ws);
  if (opts.source !== undefined) writeFileSync(ws.abs('drv/helpers.c'), opts.source);
  const r = await captured(() => rustBc({ crateRoot: 'drv/driver.rs', ...opts.rust } as any, ws.context));
  if (!r.result.success) throw new Error(`rust-bc failed:\n${r.out.all.join('\n')}`);
  const c = await captured(() => clangBc({ sources: ['drv/helpers.c'], ...opts.clang } as any, ws.context));
  if (!c.result.success) throw new Error(`clang-bc failed:\n${c.out.all.join('\n')}`);
  const { result, out } = await captured(() =>
    lldRelocatable({ rustBitcode: RUST_BC, bitcode: [HELPERS_BC], requireInlined: ['helper_*'], ...opts.lld } as any, ws.context),
  );
  const report = JSON.parse(readFileSync(ws.abs(REPORT), 'utf8')) as InlineReport;
  const validate = new Ajv({ strict: false, allErrors: true }).compile(reportSchema);
  expect({ valid: validate(report), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
  assertAgreesWithObject(ws, report);
  checked.push({ ws, report });
  return { ws, result, out, report };
}

function assertAgreesWithObject(ws: FixtureWorkspace, report: InlineReport): void {
  const refs = codeReferences(readElf(ws.abs(OBJECT)));
  const contradictions = report.helpers.flatMap((h) =>
    h.callSites.filter((s) => s.verdict === 'inlined' && refs.some((r) => r.from === s.caller && r.to === h.symbol)).map((s) => `${s.caller} -> ${h.symbol}`),
  );
  expect(contradictions).toEqual([]);
}

function site(report: InlineReport) {
  const s = report.helpers.find((h) => h.symbol === 'helper_scale')?.callSites.find((c) => c.caller === 'driver_entry');
  if (!s) throw new Error(`no call site helper_scale <- driver_entry in ${JSON.stringify(report, null, 1)}`);
  return s;
}

/** A blocked build: fails under inlinePolicy 'error', the site is a call with this cause and flag, and the table says why. */
function expectBlocked(b: Build, cause: string, flag: RegExp) {
  expect(b.result).toEqual({ success: false });
  const s = site(b.report);
  expect(s.verdict).toBe('call');
  expect(s.relocations).toBeGreaterThan(0);
  expect(s.diagnosis).toEqual(expect.objectContaining({ cause }));
  expect(s.diagnosis!.flag).toMatch(flag);
  expect(s.diagnosis!.message).toContain('helper_scale');
  expect(s.diagnosis!.message).toContain('driver_entry');
  expect(b.out.all.join('\n')).toContain(`why: ${s.diagnosis!.message}`);
  return s.diagnosis!;
}

function expectInlined(b: Build) {
  expect({ success: b.result.success, errors: b.out.errors }).toEqual({ success: true, errors: [] });
  const s = site(b.report);
  expect(s).toEqual(expect.objectContaining({ verdict: 'inlined', relocations: 0 }));
  expect(s.diagnosis).toBeUndefined();
  expect(b.report.featureViolations).toEqual([]);
}

describe('case 02: no-builtins (-ffreestanding / -fno-builtin / -fno-builtin-<name>)', () => {
  test.each([
    ['-ffreestanding', /-ffreestanding/],
    ['-fno-builtin', /-fno-builtin\b/],
    ['-fno-builtin-memcpy', /^-fno-builtin-memcpy$/],
  ])('cflags %s: call, cause no-builtins, the flag named; the fix in the message makes it inlined', async (flag, flagRe) => {
    const blocked = await build('02', { clang: { cflags: [flag] } });
    const d = expectBlocked(blocked, 'no-builtins', flagRe);
    expect(site(blocked.report).remark).toEqual(expect.objectContaining({ kind: 'Missed' }));
    expect(d.fix).toMatch(/drop .*cflags/);
    expect(d.fix).toMatch(/always_inline/);
    expect(d.detail).toMatch(/no-builtin/);

    // Fix 1: mark the helper always-inline (the kernel's __rust_helper), flag kept.
    expectInlined(await build('02', { source: helperSource('__attribute__((always_inline)) '), clang: { cflags: [flag] } }));
    // Fix 2: drop the flag for helper files.
    expectInlined(await build('02'));
  });
});

describe('case 03: -fno-delete-null-pointer-checks', () => {
  test('call, cause null-pointer-is-valid; always-inline or dropping the flag makes it inlined', async () => {
    const blocked = await build('03', { clang: { cflags: ['-fno-delete-null-pointer-checks'] } });
    const d = expectBlocked(blocked, 'null-pointer-is-valid', /^-fno-delete-null-pointer-checks$/);
    expect(d.detail).toContain('null_pointer_is_valid');
    expectInlined(await build('03', { source: helperSource('__attribute__((always_inline)) '), clang: { cflags: ['-fno-delete-null-pointer-checks'] } }));
    expectInlined(await build('03'));
  });
});

describe('target features', () => {
  test('cflags -mavx2: call, cause target-features naming avx2; dropping the flag makes it inlined', async () => {
    const blocked = await build('02', { clang: { cflags: ['-mavx2'] } });
    const d = expectBlocked(blocked, 'target-features', /-mavx2/);
    expect(d.detail).toMatch(/avx2/);
    expect(d.fix).toMatch(/align the target features/);
    expect(blocked.report.featureViolations).toEqual([expect.objectContaining({ helper: 'helper_scale', caller: 'driver_entry', verdict: 'call' })]);
    expectInlined(await build('02'));
  });

  test('always-inline helper with target("avx2"): inlined (LLVM 22 AlwaysInline) but the build fails naming the features', async () => {
    const source = helperSource('__attribute__((always_inline, target("avx2"))) ');
    const b = await build('02', { source });
    const s = site(b.report);
    expect(s).toEqual(expect.objectContaining({ verdict: 'inlined', relocations: 0 }));
    expect(s.remark).toEqual(expect.objectContaining({ kind: 'Passed', name: 'AlwaysInline' }));
    expect(b.result).toEqual({ success: false });
    expect(b.report.summary.featureViolations).toBe(1);
    const v = b.report.featureViolations[0];
    expect(v).toEqual(expect.objectContaining({ helper: 'helper_scale', caller: 'driver_entry', verdict: 'inlined' }));
    expect(v.features).toEqual(expect.arrayContaining(['avx', 'avx2']));
    expect(v.flag).toMatch(/-mavx2/);
    const error = b.out.errors.join('\n');
    expect(error).toContain('helper_scale');
    expect(error).toContain('avx2');
    expect(b.out.all.join('\n')).toMatch(/error: helper_scale was inlined into driver_entry but may use target features/);

    // inlinePolicy 'warn': the same report, a warning, success.
    const warned = await build('02', { source, lld: { inlinePolicy: 'warn' } });
    expect(warned.result).toEqual({ success: true });
    expect(warned.out.warnings.join('\n')).toContain('avx2');

    // The fix: align the target features (no target attribute): inlined, no violation.
    expectInlined(await build('02', { source: helperSource('__attribute__((always_inline)) ') }));
  });

  test('kernel profile on both sides (no SSE/AVX in Rust nor C): an always-inline helper is inlined with no violation; target("avx2") on top is one', async () => {
    const kernel = { rust: { profile: 'kernel' }, clang: { profile: 'kernel' } };
    expectInlined(await build('02', { ...kernel, source: helperSource('__attribute__((always_inline)) ') }));
    const b = await build('02', { ...kernel, source: helperSource('__attribute__((always_inline, target("avx2"))) '), lld: { inlinePolicy: 'warn' } });
    expect(site(b.report).verdict).toBe('inlined');
    expect(b.report.featureViolations.map((v) => v.features)).toEqual([expect.arrayContaining(['avx2', 'sse', 'sse2'])]);
  });
});

describe('optimization and noinline', () => {
  test('optLevel 0: call, cause optnone, flag -O0; optLevel 2 makes it inlined', async () => {
    const blocked = await build('02', { clang: { optLevel: '0' } });
    const d = expectBlocked(blocked, 'optnone', /^-O0$/);
    expect(d.fix).toMatch(/optLevel "2"/);
    expectInlined(await build('02', { clang: { optLevel: '2' } }));
  });

  test('__attribute__((noinline)): call, cause noinline; removing it makes it inlined', async () => {
    const blocked = await build('02', { source: helperSource('__attribute__((noinline)) ') });
    const d = expectBlocked(blocked, 'noinline', /noinline/);
    expect(d.fix).toMatch(/remove __attribute__\(\(noinline\)\)/);
    expect(site(blocked.report).remark).toEqual(expect.objectContaining({ name: 'NeverInline' }));
    expectInlined(await build('02'));
  });
});

describe('any other differing attribute', () => {
  test.each([
    ['-fsanitize=safe-stack', /safestack/, /^-fsanitize=safe-stack$/],
    ['-fdenormal-fp-math=preserve-sign', /"denormal-fp-math": helper 'preserve-sign,preserve-sign', caller \(absent\)/, /^-fdenormal-fp-math=preserve-sign$/],
  ])('cflags %s: call, cause attribute-mismatch naming both values; always-inline makes it inlined', async (flag, detail, flagRe) => {
    const blocked = await build('02', { clang: { cflags: [flag] } });
    const d = expectBlocked(blocked, 'attribute-mismatch', flagRe);
    expect(d.detail).toMatch(detail);
    expectInlined(await build('02', { source: helperSource('__attribute__((always_inline)) '), clang: { cflags: [flag] } }));
  });
});

/**
 * LTO-mode and triple blockers never reach a report: lld-relocatable refuses mixed LTO modes
 * and different data layouts before linking (cases 01 and 04 in cases.spec.ts), and a
 * same-layout triple difference still inlines. The diagnosis itself is checked here on the
 * facts of real bitcode, for the report of a link made without those checks.
 */
describe('diagnoseCall on real bitcode facts: lto-mode and triple', () => {
  async function facts(cflags: string[]) {
    const ws = createFixtureWorkspace('02');
    workspaces.push(ws);
    await captured(() => rustBc({ crateRoot: 'drv/driver.rs' } as any, ws.context));
    const c = await captured(() => clangBc({ sources: ['drv/helpers.c'], cflags } as any, ws.context));
    expect(c.result).toEqual({ success: true });
    const rustInfo = readBitcodeModuleInfo(ws.abs(RUST_BC));
    const cInfo = readBitcodeModuleInfo(ws.abs(HELPERS_BC));
    return {
      helper: 'helper_scale',
      caller: 'driver_entry',
      rust: { path: RUST_BC, info: rustInfo },
      callee: { attributes: readFunctionAttributes(ws.abs(HELPERS_BC)).get('helper_scale')!, module: cInfo, path: HELPERS_BC },
      callerFacts: { attributes: readFunctionAttributes(ws.abs(RUST_BC)).get('driver_entry')!, module: rustInfo, path: RUST_BC },
      remark: { kind: 'Missed', name: 'NoDefinition', message: "'helper_scale' will not be inlined into 'driver_entry' because its definition is unavailable" },
    };
  }

  test('helpers built with -flto=full: cause lto-mode, flag and fix name -flto', async () => {
    const d = diagnoseCall(await facts(['-flto=full']));
    expect(d).toEqual(expect.objectContaining({ cause: 'lto-mode', flag: '-flto=full or plain -emit-llvm' }));
    expect(d.fix).toContain('-flto=thin');
    expect(d.message).toContain('helper_scale');
  });

  test('helpers built for x86_64-pc-linux-gnu: cause triple, naming both triples', async () => {
    const d = diagnoseCall(await facts(['--target=x86_64-pc-linux-gnu']));
    expect(d).toEqual(expect.objectContaining({ cause: 'triple', flag: '--target=x86_64-pc-linux-gnu' }));
    expect(d.detail).toContain('x86_64-unknown-linux-gnu');
    expect(d.fix).toContain("'target'");
  });
});

describe('doctor', () => {
  test('prints rustc, clang, llvm-link, ld.lld and rust-lld with versions and paths, all compatible', async () => {
    const ws = createFixtureWorkspace('02');
    workspaces.push(ws);
    const { result, out } = await captured(() => doctor({} as any, { ...ws.context, targetName: 'doctor' }));
    const text = out.all.join('\n');
    expect({ result, errors: out.errors }).toEqual({ result: { success: true }, errors: [] });
    const rustcLlvm = /LLVM version: (\d+)/.exec(execFileSync('rustc', ['-vV'], { encoding: 'utf8' }))![1];
    expect(text).toMatch(new RegExp(`rustc +\\d+\\.\\d+\\.\\d+ \\(LLVM ${rustcLlvm}\\.`));
    for (const tool of ['clang', 'llvm-link', 'ld.lld']) expect(text).toMatch(new RegExp(`${tool.replace('.', '\\.')} +LLVM ${rustcLlvm}\\.\\d+\\.\\d+ +/\\S+-${rustcLlvm}`));
    expect(text).toMatch(/rust-lld +LLVM \d+\.\d+\.\d+ +\/\S+\/rust-lld/);
    expect(text).toMatch(/ld\.lld \(LLVM [\d.]+\) reads bitcode of rustc [\d.]+ \(LLVM [\d.]+\): compatible/);
    expect(text).toMatch(/llvm-link \(LLVM [\d.]+\) reads bitcode of clang \(LLVM [\d.]+\): compatible/);
    expect(text).toContain('toolchain OK');
  });

  test('with a PATH lacking clang-22: fails and names the Debian package', async () => {
    const ws = createFixtureWorkspace('02');
    workspaces.push(ws);
    const sysroot = execFileSync('rustc', ['--print', 'sysroot'], { encoding: 'utf8' }).trim();
    const major = /LLVM version: (\d+)/.exec(execFileSync('rustc', ['-vV'], { encoding: 'utf8' }))![1];
    const bin = mkdtempSync(join(tmpdir(), 'doctor-path-'));
    for (const tool of [`llvm-link-${major}`, `ld.lld-${major}`]) symlinkSync(execFileSync('which', [tool], { encoding: 'utf8' }).trim(), join(bin, tool));
    const saved = process.env.PATH;
    process.env.PATH = `${sysroot}/bin:${bin}`;
    try {
      const { result, out } = await captured(() => doctor({} as any, { ...ws.context, targetName: 'doctor' }));
      expect(result).toEqual({ success: false });
      const text = out.all.join('\n');
      expect(text).toMatch(/clang +MISSING/);
      expect(text).toContain(`apt-get install -y clang-${major}`);
      expect(out.errors.join('\n')).toContain(`clang-${major}`);
      expect(text).toMatch(/llvm-link +LLVM/);
    } finally {
      process.env.PATH = saved;
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('property over every report above', () => {
  test('never inlined while the caller references the helper; both verdicts occur', () => {
    expect(checked.length).toBeGreaterThan(10);
    for (const { ws, report } of checked) assertAgreesWithObject(ws, report);
    const sites = checked.flatMap(({ report }) => report.helpers.flatMap((h) => h.callSites));
    expect(sites.some((s) => s.verdict === 'inlined')).toBe(true);
    expect(sites.some((s) => s.verdict === 'call')).toBe(true);
    expect(sites.filter((s) => s.verdict === 'call').every((s) => s.diagnosis && s.diagnosis.cause !== 'unknown')).toBe(true);
  });
});

