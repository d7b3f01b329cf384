/**
 * Integration tests: the real executors (rust-bc, clang-bc, lld-relocatable) and the real
 * LLVM tools on the shared cases (../shared/cases, see each case's README.md for the
 * "right result" asserted here). Nothing is mocked except output capture (logger/console
 * spies). Each case also has a positive control that reproduces the fault with the raw
 * commands of its README, so a test cannot pass because the case stopped being a case.
 */
import { logger } from '@nx/devkit';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBitcodeModuleInfo } from '../bitcode/module-info';
import { codeReferences } from '../elf/code-references';
import { readElf } from '../elf/elf';
import { InlineReport } from '../inline/report';
import { resolveLlvmTool, resolveRustc } from '../toolchain/discover';
import clangBc from './clang-bc/executor';
import lldRelocatable from './lld-relocatable/executor';
import rustBc from './rust-bc/executor';
import { createFixtureWorkspace, FixtureWorkspace } from './testing/fixture-workspace';

const LLD_14 = '/usr/bin/ld.lld-14';

// ---------------------------------------------------------------------------------------
// Tools and output capture
// ---------------------------------------------------------------------------------------

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a real tool (no shell). A tool that is not installed fails the test with the package to install. */
function run(file: string, args: string[], cwd?: string, env?: NodeJS.ProcessEnv): Run {
  const r = spawnSync(file, args, { cwd, env: env ?? process.env, encoding: 'utf8' });
  if (r.error) throw new Error(`could not run ${file}: ${r.error.message} (install the LLVM 22 / Rust toolchain the tests need)`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function runOk(file: string, args: string[], cwd?: string): Run {
  const r = run(file, args, cwd);
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}\n${r.stderr}${r.stdout}`);
  return r;
}

/** Output captured from the executors: logger.{error,warn,info,log}, console.*, and the tools' stderr. */
interface Captured {
  errors: string[];
  warnings: string[];
  /** Everything printed, in order. */
  text(): string;
  restore(): void;
}

function capture(): Captured {
  const errors: string[] = [];
  const warnings: string[] = [];
  const all: string[] = [];
  const str = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' ');
  const spies: jest.SpyInstance[] = [
    jest.spyOn(logger, 'error').mockImplementation((...a: unknown[]) => void (errors.push(str(a)), all.push(str(a)))),
    jest.spyOn(logger, 'warn').mockImplementation((...a: unknown[]) => void (warnings.push(str(a)), all.push(str(a)))),
    jest.spyOn(logger, 'info').mockImplementation((...a: unknown[]) => void all.push(str(a))),
    jest.spyOn(logger, 'log').mockImplementation((...a: unknown[]) => void all.push(str(a))),
    jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void all.push(str(a))),
    jest.spyOn(console, 'info').mockImplementation((...a: unknown[]) => void all.push(str(a))),
    jest.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void (warnings.push(str(a)), all.push(str(a)))),
    jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (errors.push(str(a)), all.push(str(a)))),
  ];
  // runTool passes a tool's stderr (lld's warnings) straight to process.stderr: record it too.
  const realWrite = process.stderr.write.bind(process.stderr);
  spies.push(
    jest.spyOn(process.stderr, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      all.push(String(chunk));
      return (realWrite as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write),
  );
  return { errors, warnings, text: () => all.join('\n'), restore: () => spies.forEach((s) => s.mockRestore()) };
}

/** Runs an executor with output captured; returns its result and what it printed. */
async function withCapture<T>(fn: () => Promise<T>): Promise<{ result: T; out: Captured }> {
  const out = capture();
  try {
    return { result: await fn(), out };
  } finally {
    out.restore();
  }
}

// ---------------------------------------------------------------------------------------
// The pipeline, as a project's targets run it
// ---------------------------------------------------------------------------------------

const RUST_BC = 'dist/drv/rust/drv.bc';
const HELPERS_BC = 'dist/drv/c/helpers.bc';
const OBJECT = 'dist/drv/drv.o';
const REPORT = 'dist/drv/inline-report.json';

async function rustStep(ws: FixtureWorkspace, options: Record<string, unknown> = {}) {
  const { result, out } = await withCapture(() => rustBc({ crateRoot: 'drv/driver.rs', ...options } as any, ws.context));
  if (!result.success) throw new Error(`rust-bc failed:\n${out.text()}`);
  return out;
}

async function clangStep(ws: FixtureWorkspace, options: Record<string, unknown> = {}) {
  const { result, out } = await withCapture(() => clangBc({ sources: ['drv/helpers.c'], ...options } as any, ws.context));
  if (!result.success) throw new Error(`clang-bc failed:\n${out.text()}`);
  return out;
}

async function lldStep(ws: FixtureWorkspace, options: Record<string, unknown> = {}) {
  return withCapture(() =>
    lldRelocatable({ rustBitcode: RUST_BC, bitcode: [HELPERS_BC], requireInlined: ['helper_*'], ...options } as any, ws.context),
  );
}

// ---------------------------------------------------------------------------------------
// Independent views of an object
// ---------------------------------------------------------------------------------------

/** The relocation lines of one relocation section in `llvm-readelf-22 -r` output ([] if the section is absent). */
function readelfRelocations(object: string, section: string): { present: boolean; lines: string[] } {
  const text = runOk('llvm-readelf-22', ['-r', object]).stdout;
  const blocks = text.split(/\n(?=Relocation section ')/);
  const block = blocks.find((b) => b.startsWith(`Relocation section '${section}'`));
  if (!block) return { present: false, lines: [] };
  return { present: true, lines: block.split('\n').slice(2).filter((l) => l.trim()) };
}

function sectionNames(object: string): string[] {
  return readElf(object).sections.map((s) => s.name);
}

/** Defined external symbols of an object per `llvm-nm-22 --extern-only --defined-only`. */
function externalDefined(object: string): string[] {
  const text = runOk('llvm-nm-22', ['--extern-only', '--defined-only', object]).stdout;
  return text.split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/).pop()!).sort();
}

// ---------------------------------------------------------------------------------------
// Property: a report never says 'inlined' where the object still references the helper
// ---------------------------------------------------------------------------------------

const checkedReports: Array<{ ws: FixtureWorkspace; reportRel: string; objectRel: string }> = [];

function assertReportAgreesWithObject(ws: FixtureWorkspace, reportRel: string, objectRel: string): InlineReport {
  checkedReports.push({ ws, reportRel, objectRel });
  return checkReport(ws, reportRel, objectRel);
}

function checkReport(ws: FixtureWorkspace, reportRel: string, objectRel: string): InlineReport {
  const report = JSON.parse(readFileSync(ws.abs(reportRel), 'utf8')) as InlineReport;
  const refs = codeReferences(readElf(ws.abs(objectRel)));
  // Every relocation from a Rust function to a helper is accounted for by a `call` entry
  // (of that caller, or of a caller whose calls moved into it); and a caller whose calls are
  // all `inlined` or `folded` has no relocation to the helper.
  const contradictions = report.helpers.flatMap((h) =>
    h.callSites
      .filter((s) => s.verdict !== 'call' && refs.some((r) => r.from === s.caller && r.to === h.symbol))
      .filter((s) => !h.callSites.some((c) => c.verdict === 'call' && (c.caller === s.caller || c.movedTo?.includes(s.caller))))
      .map((s) => `${s.caller} -> ${h.symbol} is '${s.verdict}' in ${reportRel} but ${objectRel} references it`),
  );
  expect(contradictions).toEqual([]);
  return report;
}

function callSite(report: InlineReport, helper: string, caller: string) {
  return report.helpers.find((h) => h.symbol === helper)?.callSites.find((s) => s.caller === caller);
}

// ---------------------------------------------------------------------------------------

const workspaces: FixtureWorkspace[] = [];
function workspace(caseName: string): FixtureWorkspace {
  const ws = createFixtureWorkspace(caseName);
  workspaces.push(ws);
  return ws;
}
afterAll(() => workspaces.forEach((ws) => ws.dispose()));

describe('case 01: LTO mode mismatch', () => {
  test('positive control: the README recipe (plain -emit-llvm helpers) leaves the call to helper_scale', () => {
    const ws = workspace('01');
    const d = ws.abs('drv');
    runOk('rustc', ['-O', '--crate-type=lib', '-Cpanic=abort', '-Ccodegen-units=1', '--emit=llvm-bc', 'driver.rs', '-o', 'driver.bc'], d);
    runOk('clang-22', ['--target=x86_64-unknown-linux-gnu', '-O2', '-c', '-emit-llvm', 'helpers.c', '-o', 'helpers.bc'], d);
    runOk('ld.lld-22', ['-r', 'driver.bc', 'helpers.bc', '-o', 'driver.o'], d);
    const rela = readelfRelocations(join(d, 'driver.o'), '.rela.text.driver_entry');
    expect(rela.lines.some((l) => l.includes('helper_scale'))).toBe(true);
    expect(codeReferences(readElf(join(d, 'driver.o')))).toContainEqual(expect.objectContaining({ from: 'driver_entry', to: 'helper_scale' }));
  });

  test('default pipeline inlines helper_scale into driver_entry and the report says so', async () => {
    const ws = workspace('01');
    await rustStep(ws);
    await clangStep(ws);
    expect(readBitcodeModuleInfo(ws.abs(RUST_BC)).ltoMode).toBe('thin');
    expect(readBitcodeModuleInfo(ws.abs(HELPERS_BC)).ltoMode).toBe('thin');
    const { result, out } = await lldStep(ws);
    expect({ result, errors: out.errors }).toEqual({ result: { success: true }, errors: [] });

    const report = assertReportAgreesWithObject(ws, REPORT, OBJECT);
    expect(callSite(report, 'helper_scale', 'driver_entry')).toEqual(expect.objectContaining({ verdict: 'inlined', relocations: 0 }));
    expect(report.summary.requiredCalls).toBe(0);

    // Ground truth 1: the plugin's own ELF reader.
    const object = ws.abs(OBJECT);
    expect(sectionNames(object)).toContain('.text.driver_entry');
    expect(codeReferences(readElf(object)).filter((r) => r.from === 'driver_entry' && r.to === 'helper_scale')).toEqual([]);
    // Ground truth 2: llvm-readelf, independent of the plugin (also catches a reference through `.text.helper_scale`).
    const rela = readelfRelocations(object, '.rela.text.driver_entry');
    expect(rela.lines.filter((l) => l.includes('helper_scale'))).toEqual([]);
  });

  // Every way a user can force the C side to the other LTO mode (no ThinLTO summary).
  test.each([
    ['ltoMode "full"', { ltoMode: 'full' }],
    ['cflags -flto=full', { cflags: ['-flto=full'] }],
    ['cflags -fno-lto -emit-llvm (plain bitcode)', { cflags: ['-fno-lto', '-emit-llvm'] }],
  ])('C helpers forced to full LTO (%s): lld-relocatable fails before linking, naming both modes and -flto=thin', async (_name, clangOptions) => {
    const ws = workspace('01');
    await rustStep(ws);
    await clangStep(ws, clangOptions);
    expect(readBitcodeModuleInfo(ws.abs(HELPERS_BC)).ltoMode).toBe('full'); // the case is real: no ThinLTO summary
    const { result, out } = await lldStep(ws);
    expect(result).toEqual({ success: false });
    const message = out.errors.join('\n');
    expect(message).toContain('ThinLTO');
    expect(message).toContain('full LTO');
    expect(message).toContain('-flto=thin');
    expect(message).toContain(RUST_BC);
    expect(message).toContain(HELPERS_BC);
    expect(existsSync(ws.abs(OBJECT))).toBe(false);
    expect(existsSync(ws.abs(REPORT))).toBe(false);
  });

  test('cflags -fno-lto alone makes clang write a native object: clang-bc fails, naming the flag, and writes no .bc', async () => {
    const ws = workspace('01');
    await rustStep(ws);
    const { result, out } = await withCapture(() => clangBc({ sources: ['drv/helpers.c'], cflags: ['-fno-lto'] } as any, ws.context));
    expect(result).toEqual({ success: false });
    const message = out.errors.join('\n');
    expect(message).toContain('drv/helpers.c');
    expect(message).toContain('-fno-lto');
    expect(message).toContain('-flto=thin');
    expect(message).toMatch(/no LLVM bitcode/);
    expect(existsSync(ws.abs(HELPERS_BC))).toBe(false);
    expect(readdirSync(ws.abs('dist/drv/c'))).toEqual([]); // no temporaries left either
  });
});

describe('case 04: target triple mismatch', () => {
  test('positive control: clang without --target writes another triple and lld warns', () => {
    const ws = workspace('04');
    const d = ws.abs('drv');
    runOk('rustc', ['-O', '--crate-type=lib', '-Cpanic=abort', '-Ccodegen-units=1', '--emit=llvm-bc', 'driver.rs', '-o', 'driver.bc'], d);
    runOk('clang-22', ['-O2', '-flto=thin', '-c', 'helpers.c', '-o', 'helpers.bc'], d);
    expect(readBitcodeModuleInfo(join(d, 'helpers.bc')).triple).not.toBe(readBitcodeModuleInfo(join(d, 'driver.bc')).triple);
    const r = run('ld.lld-22', ['-r', 'driver.bc', 'helpers.bc', '-o', 'driver.o'], d);
    expect(r.stderr).toMatch(/different target triples/);
  });

  test('default clang-bc uses the Rust triple; the link prints no triple warning', async () => {
    const ws = workspace('04');
    const rust = await rustStep(ws);
    const clang = await clangStep(ws);
    const rustInfo = readBitcodeModuleInfo(ws.abs(RUST_BC));
    const cInfo = readBitcodeModuleInfo(ws.abs(HELPERS_BC));
    expect(cInfo.triple).toBe(rustInfo.triple);
    expect(cInfo.dataLayout).toBe(rustInfo.dataLayout);
    const hostTriple = (await resolveRustc({})).host;
    expect(rustInfo.triple).toBe(hostTriple);

    const { result, out } = await lldStep(ws);
    expect(result).toEqual({ success: true });
    for (const text of [rust.text(), clang.text(), out.text()]) {
      expect(text).not.toMatch(/different target triples/i);
      expect(text).not.toMatch(/target triple/i);
    }
    expect(out.warnings).toEqual([]);
    const report = assertReportAgreesWithObject(ws, REPORT, OBJECT);
    expect(callSite(report, 'helper_scale', 'driver_entry')?.verdict).toBe('inlined');
  });

  test('cflags --target=i686-linux-gnu: lld-relocatable fails before linking, naming both triples', async () => {
    const ws = workspace('04');
    await rustStep(ws);
    await clangStep(ws, { cflags: ['--target=i686-linux-gnu'] });
    const rustTriple = readBitcodeModuleInfo(ws.abs(RUST_BC)).triple;
    const cTriple = readBitcodeModuleInfo(ws.abs(HELPERS_BC)).triple;
    expect(cTriple).toMatch(/^i686-/);

    const { result, out } = await lldStep(ws);
    expect(result).toEqual({ success: false });
    const message = out.errors.join('\n');
    expect(message).toContain(cTriple);
    expect(message).toContain(rustTriple);
    expect(out.text()).not.toMatch(/LD-R|LLVM-LINK/); // no tool ran
    expect(out.text()).not.toMatch(/different target triples/);
    expect(existsSync(ws.abs(OBJECT))).toBe(false);
    expect(existsSync(ws.abs(REPORT))).toBe(false);
  });

  test('cflags --target=x86_64-pc-linux-gnu (same data layout): builds, and warns naming both triples', async () => {
    const ws = workspace('04');
    await rustStep(ws);
    await clangStep(ws, { cflags: ['--target=x86_64-pc-linux-gnu'] });
    const { result, out } = await lldStep(ws);
    expect(result).toEqual({ success: true });
    const warning = out.warnings.join('\n');
    expect(warning).toContain('x86_64-pc-linux-gnu');
    expect(warning).toContain('x86_64-unknown-linux-gnu');
    assertReportAgreesWithObject(ws, REPORT, OBJECT);
  });
});

describe('case 05: bitcode newer than the linker', () => {
  function requireLld14(): void {
    if (!existsSync(LLD_14)) {
      throw new Error(`${LLD_14} is missing: this test needs Debian's lld-14. Install it with 'apt-get install -y lld-14' (the test is never skipped).`);
    }
  }

  test('positive control: ld.lld-14 on LLVM 22 bitcode fails with an LLVM-internal message', async () => {
    requireLld14();
    const ws = workspace('05');
    await rustStep(ws);
    await clangStep(ws);
    const r = run(LLD_14, ['-r', RUST_BC, HELPERS_BC, '-o', 'raw.o'], ws.root);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Opaque pointers|Invalid record|Unknown attribute/);
  });

  test.each([
    ['internalize (llvm-link, the default)', {}],
    ['internalize false (ld.lld alone)', { internalize: false }],
  ])('lld-relocatable with linker ld.lld-14, %s: fails before linking, naming the file, both versions and lld-22', async (_name, extra) => {
    requireLld14();
    const ws = workspace('05');
    await rustStep(ws);
    await clangStep(ws);
    const { result, out } = await lldStep(ws, { linker: LLD_14, ...extra });
    expect(result).toEqual({ success: false });
    expect(out.errors).toHaveLength(1);
    const message = out.errors[0];
    expect(message).toMatch(new RegExp(`${RUST_BC}|${HELPERS_BC}`.replace(/\./g, '\\.')));
    expect(message).toContain('LLVM 22');
    expect(message).toContain('14.0');
    expect(message).toContain('lld-22');
    expect(message.split('\n')).toHaveLength(1);
    expect(out.text()).not.toMatch(/LD-R|LLVM-LINK/); // checked before any tool ran
    expect(existsSync(ws.abs(OBJECT))).toBe(false);
    expect(existsSync(ws.abs(REPORT))).toBe(false);
    expect(readdirSync(ws.abs('dist/drv')).filter((f) => f.endsWith('.o') || f.includes('.tmp-'))).toEqual([]);
  });

  test('toolchain discovery never picks ld.lld-14 on its own', async () => {
    requireLld14();
    const rustc = await resolveRustc({});
    const lld14 = realpathSync(LLD_14);
    const noEnv = { ...process.env };
    delete noEnv.LOCAL_LTO_LD;

    // Normal PATH (ld.lld-22 and ld.lld-14 both installed).
    const normal = await resolveLlvmTool('ld.lld', rustc, {}, noEnv);
    expect(realpathSync(normal.path)).not.toBe(lld14);
    expect(normal.version.major).toBe(rustc.llvm.major);

    // A PATH where the only `ld.lld` is LLVM 14 and there is no ld.lld-22: must fall through.
    const bin = mkdtempSync(join(tmpdir(), 'local-lto-path-'));
    symlinkSync(LLD_14, join(bin, 'ld.lld'));
    symlinkSync(LLD_14, join(bin, 'ld.lld-14'));
    const savedPath = process.env.PATH;
    process.env.PATH = bin;
    try {
      // Either rust-lld from rustc's sysroot (LLVM 22) or an error naming lld-22; never ld.lld-14.
      const outcome = await resolveLlvmTool('ld.lld', rustc, {}, { ...noEnv, PATH: bin }).then(
        (tool) => ({ tool, error: undefined }),
        (error: Error) => ({ tool: undefined, error }),
      );
      if (outcome.tool) {
        expect(realpathSync(outcome.tool.path)).not.toBe(lld14);
        expect(outcome.tool.version.major).toBe(rustc.llvm.major);
        expect(outcome.tool.source).toBe('rust-lld');
      } else {
        expect(outcome.error!.message).toContain(`lld-${rustc.llvm.major}`);
      }
    } finally {
      process.env.PATH = savedPath;
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('case 06: helper symbols leak out of the object', () => {
  /** Builds `drv/driver.rs` to a.o and `drv/b.rs` (driver_entry_b) to b.o with the executors. */
  async function buildTwoDrivers(ws: FixtureWorkspace, lldOptions: Record<string, unknown> = {}) {
    writeFileSync(ws.abs('drv/b.rs'), readFileSync(ws.abs('drv/driver.rs'), 'utf8').replace(/\bdriver_entry\b/g, 'driver_entry_b'));
    await rustStep(ws, { crateRoot: 'drv/driver.rs', crateName: 'a', outputPath: 'dist/drv/rust/a.bc' });
    await rustStep(ws, { crateRoot: 'drv/b.rs', crateName: 'b', outputPath: 'dist/drv/rust/b.bc' });
    await clangStep(ws);
    for (const n of ['a', 'b']) {
      const { result, out } = await lldStep(ws, { rustBitcode: `dist/drv/rust/${n}.bc`, output: `dist/drv/${n}.o`, report: `dist/drv/${n}.json`, ...lldOptions });
      if (!result.success) throw new Error(`lld-relocatable ${n} failed:\n${out.text()}`);
      assertReportAgreesWithObject(ws, `dist/drv/${n}.json`, `dist/drv/${n}.o`);
    }
  }

  test('with internalize false the symbol policy alone keeps the helper local', async () => {
    const ws = workspace('06');
    await buildTwoDrivers(ws, { internalize: false });
    for (const n of ['a', 'b']) expect(externalDefined(ws.abs(`dist/drv/${n}.o`))).not.toContain('helper_scale');
    const both = run('ld.lld-22', ['-r', 'dist/drv/a.o', 'dist/drv/b.o', '-o', 'both.o'], ws.root);
    expect(both.status).toBe(0);
  });

  test('two drivers built by the executors link together; no helper symbol is global', async () => {
    const ws = workspace('06');
    await buildTwoDrivers(ws);
    expect(externalDefined(ws.abs('dist/drv/a.o'))).toEqual(['driver_entry']);
    expect(externalDefined(ws.abs('dist/drv/b.o'))).toEqual(['driver_entry_b']);
    for (const n of ['a', 'b']) {
      const nm = runOk('llvm-nm-22', ['--extern-only', ws.abs(`dist/drv/${n}.o`)]).stdout;
      expect(nm).not.toMatch(/helper_scale/);
      const report = JSON.parse(readFileSync(ws.abs(`dist/drv/${n}.json`), 'utf8')) as InlineReport;
      expect(report.summary.leakedHelpers).toBe(0);
      expect(report.helpers.find((h) => h.symbol === 'helper_scale')?.outOfLineCopy).not.toMatch(/global|weak/);
    }
    const both = run('ld.lld-22', ['-r', 'dist/drv/a.o', 'dist/drv/b.o', '-o', 'both.o'], ws.root);
    expect({ status: both.status, stderr: both.stderr }).toEqual({ status: 0, stderr: '' });
    expect(externalDefined(ws.abs('both.o'))).toEqual(['driver_entry', 'driver_entry_b']);
  });

  test('positive control: the raw recipe (ld.lld -r without llvm-link) leaks helper_scale and the pair fails', async () => {
    const ws = workspace('06');
    writeFileSync(ws.abs('drv/b.rs'), readFileSync(ws.abs('drv/driver.rs'), 'utf8').replace(/\bdriver_entry\b/g, 'driver_entry_b'));
    // Same bitcode as above (the executors' rust-bc and clang-bc), linked as the README does.
    await rustStep(ws, { crateRoot: 'drv/driver.rs', crateName: 'a', outputPath: 'dist/drv/rust/a.bc' });
    await rustStep(ws, { crateRoot: 'drv/b.rs', crateName: 'b', outputPath: 'dist/drv/rust/b.bc' });
    await clangStep(ws);
    runOk('ld.lld-22', ['-r', 'dist/drv/rust/a.bc', HELPERS_BC, '-o', 'a.o'], ws.root);
    runOk('ld.lld-22', ['-r', 'dist/drv/rust/b.bc', HELPERS_BC, '-o', 'b.o'], ws.root);
    for (const n of ['a', 'b']) expect(runOk('llvm-nm-22', ['--extern-only', `${n}.o`], ws.root).stdout).toMatch(/ T helper_scale$/m);
    const both = run('ld.lld-22', ['-r', 'a.o', 'b.o', '-o', 'both.o'], ws.root);
    expect(both.status).not.toBe(0);
    expect(both.stderr).toMatch(/duplicate symbol: helper_scale/);
  });

  test('positive control through the product: no internalization and every symbol exported leaks helper_scale, and the report counts it', async () => {
    const ws = workspace('06');
    await buildTwoDrivers(ws, { internalize: false, exports: ['*'] });
    for (const n of ['a', 'b']) {
      expect(externalDefined(ws.abs(`dist/drv/${n}.o`))).toContain('helper_scale');
      const report = JSON.parse(readFileSync(ws.abs(`dist/drv/${n}.json`), 'utf8')) as InlineReport;
      expect(report.summary.leakedHelpers).toBe(1);
    }
    const both = run('ld.lld-22', ['-r', 'dist/drv/a.o', 'dist/drv/b.o', '-o', 'both.o'], ws.root);
    expect(both.status).not.toBe(0);
    expect(both.stderr).toMatch(/duplicate symbol: helper_scale/);
  });
});

describe('case 07: several codegen units', () => {
  /** Every `.bc` file under `dir`, relative to it. */
  function bitcodeFiles(dir: string): string[] {
    return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.bc')).sort();
  }

  test('positive control: raw rustc with -Ccodegen-units=16 exits 0 and leaves out/ empty', () => {
    const ws = workspace('07');
    const d = ws.abs('drv');
    mkdirSync(join(d, 'out'));
    const r = run('rustc', ['-O', '--crate-type=lib', '-Cpanic=abort', '-Ccodegen-units=16', '--emit=llvm-bc=out/big.bc', 'big.rs'], d);
    expect(r.status).toBe(0);
    expect(readdirSync(join(d, 'out'))).toEqual([]);
    expect(r.stderr).toMatch(/ignoring emit path because multiple/);
  });

  test.each([
    ['rustflags -Ccodegen-units=16', { rustflags: ['-Ccodegen-units=16'] }, undefined, ['-Ccodegen-units=16']],
    ['RUSTFLAGS with codegen-units and incremental', {}, '-C codegen-units=16 -Cincremental=<ws>/x', ['-C codegen-units=16', '-Cincremental=<ws>/x']],
  ])('rust-bc, %s: one .bc at the declared path, and a warning names each ignored flag', async (_name, options, rustflagsEnv, ignored) => {
    const ws = workspace('07');
    const saved = process.env.RUSTFLAGS;
    if (rustflagsEnv) process.env.RUSTFLAGS = rustflagsEnv.replace('<ws>', ws.root);
    else delete process.env.RUSTFLAGS;
    let run: Awaited<ReturnType<typeof withCapture<{ success: boolean }>>>;
    try {
      run = await withCapture(() => rustBc({ crateRoot: 'drv/big.rs', outputPath: 'out/big.bc', ...options } as any, ws.context));
    } finally {
      if (saved === undefined) delete process.env.RUSTFLAGS;
      else process.env.RUSTFLAGS = saved;
    }
    expect({ result: run.result, errors: run.out.errors }).toEqual({ result: { success: true }, errors: [] });
    expect(bitcodeFiles(ws.root)).toEqual([join('out', 'big.bc')]);
    const info = readBitcodeModuleInfo(ws.abs('out/big.bc'));
    expect(info.functions).toContainEqual(expect.objectContaining({ name: 'all', isDeclaration: false }));
    for (const flag of ignored) {
      const shown = flag.replace('<ws>', ws.root);
      expect(run.out.warnings.filter((w) => w.includes(shown))).toHaveLength(1);
    }
    expect(existsSync(join(ws.root, 'x'))).toBe(false); // the incremental folder was not used
    expect(existsSync(ws.abs('out/big.d'))).toBe(true);
  });
});

/** The report of the last lld-relocatable run in `ws` (also checked against the object). */
function report(ws: FixtureWorkspace): InlineReport {
  return assertReportAgreesWithObject(ws, REPORT, OBJECT);
}

describe('case 08: a struct passed by value (Rust and C lower the call differently)', () => {
  test('positive control: the README recipe leaves the call, and the two IR signatures differ', () => {
    const ws = workspace('08');
    const d = ws.abs('drv');
    runOk('rustc', ['--edition=2021', '--crate-type=lib', '-O', '-Ccodegen-units=1', '-Cpanic=abort', '--emit=llvm-bc=driver.bc', 'driver.rs'], d);
    runOk('clang-22', ['--target=x86_64-unknown-linux-gnu', '-O2', '-flto=thin', '-c', '-emit-llvm', 'helpers.c', '-o', 'helpers.bc'], d);
    runOk('llvm-link-22', ['driver.bc', '--internalize', 'helpers.bc', '-o', 'm.bc'], d);
    runOk('ld.lld-22', ['-r', 'm.bc', '-o', 'driver.o'], d);
    expect(codeReferences(readElf(join(d, 'driver.o')))).toContainEqual(expect.objectContaining({ from: 'driver_entry', to: 'helper_mix' }));
    expect(runOk('llvm-dis-22', ['driver.bc', '-o', '-'], d).stdout).toMatch(/declare .*i64 @helper_mix\(\{ i64, i64 \}\)/);
    expect(runOk('llvm-dis-22', ['helpers.bc', '-o', '-'], d).stdout).toMatch(/define .*i64 @helper_mix\(i64 .*, i64 .*\)/);
  });

  test('the report says call, cause signature-mismatch with both signatures and a fix that works (a pointer), never always_inline', async () => {
    const ws = workspace('08');
    await rustStep(ws);
    await clangStep(ws);
    const { result, out } = await lldStep(ws);
    expect(result).toEqual({ success: false }); // helper_* must be inlined
    const site = callSite(report(ws), 'helper_mix', 'driver_entry')!;
    expect(site).toEqual(expect.objectContaining({ verdict: 'call', calls: 1 }));
    expect(site.relocations).toBeGreaterThan(0);
    expect(site.diagnosis!.cause).toBe('signature-mismatch');
    expect(site.diagnosis!.detail).toContain('i64 ({ i64, i64 })');
    expect(site.diagnosis!.detail).toContain('i64 (i64, i64)');
    expect(site.diagnosis!.detail).toMatch(/parameter 1 differs: Rust passes `{ i64, i64 }`, C takes `i64, i64` \(a struct passed by value\)/);
    expect(site.diagnosis!.fix).toMatch(/by pointer/);
    expect(site.diagnosis!.fix).toMatch(/scalar/);
    expect(site.diagnosis!.fix).not.toMatch(/always_inline|always-inline/);
    expect(out.text()).toContain(`why: ${site.diagnosis!.message}`);

    // The fix the message gives: pass the struct by pointer on both sides.
    writeFileSync(ws.abs('drv/driver.rs'), readFileSync(ws.abs('drv/driver.rs'), 'utf8').replace('fn helper_mix(p: Pair)', 'fn helper_mix(p: *const Pair)').replace('helper_mix(Pair { lo, hi })', 'helper_mix(&Pair { lo, hi })'));
    writeFileSync(ws.abs('drv/helpers.c'), readFileSync(ws.abs('drv/helpers.c'), 'utf8').replace('uint64_t helper_mix(struct pair p) { return mix_inline(p); }', 'uint64_t helper_mix(const struct pair *p) { return mix_inline(*p); }'));
    await rustStep(ws);
    await clangStep(ws);
    const fixed = await lldStep(ws);
    expect({ result: fixed.result, errors: fixed.out.errors }).toEqual({ result: { success: true }, errors: [] });
    expect(callSite(report(ws), 'helper_mix', 'driver_entry')).toEqual(expect.objectContaining({ verdict: 'inlined', relocations: 0 }));
  });
});

describe('case 09: calls folded away before the inliner sees them', () => {
  test('positive control: the README recipe leaves no call and remarks only for helper_scale', () => {
    const ws = workspace('09');
    const d = ws.abs('drv');
    runOk('rustc', ['--edition=2021', '--crate-type=lib', '-O', '-Ccodegen-units=1', '-Cpanic=abort', '--emit=llvm-bc=driver.bc', 'driver.rs'], d);
    runOk('clang-22', ['--target=x86_64-unknown-linux-gnu', '-O2', '-flto=thin', '-c', '-emit-llvm', 'helpers.c', '-o', 'helpers.bc'], d);
    runOk('llvm-link-22', ['driver.bc', '--internalize', 'helpers.bc', '-o', 'm.bc'], d);
    runOk('ld.lld-22', ['-r', 'm.bc', '-o', 'driver.o', '--opt-remarks-filename', 'r.yaml', '--opt-remarks-passes', 'inline'], d);
    expect(codeReferences(readElf(join(d, 'driver.o'))).filter((r) => r.from === 'driver_entry')).toEqual([]);
    const remarks = readdirSync(d).filter((f) => f.startsWith('r.yaml')).map((f) => readFileSync(join(d, f), 'utf8')).join('\n');
    expect(remarks).toMatch(/Callee: +helper_scale/);
    expect(remarks).not.toMatch(/helper_magic/);
  });

  test('every call of the Rust bitcode is in the report: helper_magic folded, not "not called"; an unused helper is the control', async () => {
    const ws = workspace('09');
    writeFileSync(ws.abs('drv/helpers.c'), readFileSync(ws.abs('drv/helpers.c'), 'utf8') + 'unsigned int helper_unused(void) { return 1u; }\n');
    await rustStep(ws);
    await clangStep(ws);
    const { result, out } = await lldStep(ws);
    expect({ result, errors: out.errors }).toEqual({ result: { success: true }, errors: [] });
    const r = report(ws);
    expect(callSite(r, 'helper_magic', 'driver_entry')).toEqual(expect.objectContaining({ verdict: 'folded', calls: 1, relocations: 0 }));
    expect(callSite(r, 'helper_magic', 'driver_entry')!.diagnosis!.detail).toMatch(/computed the result at compile time/);
    const answer = r.helpers.find((h) => h.symbol === 'helper_answer')!.callSites;
    expect(answer.map((s) => [s.caller, s.calls])).toEqual([['driver_entry', 1]]);
    expect(answer[0].verdict).not.toBe('call');
    expect(callSite(r, 'helper_scale', 'driver_entry_rt')).toEqual(expect.objectContaining({ verdict: 'inlined', calls: 1 }));
    expect(r.helpers.find((h) => h.symbol === 'helper_unused')!.callSites).toEqual([]);
    expect(r.summary.callSites).toBe(4); // one per call instruction of the Rust bitcode
    expect(r.summary.calls).toBe(0);
    expect(r.summary.folded).toBeGreaterThanOrEqual(1);
    expect(out.text()).toMatch(/\(1 helpers? (is|are) not called from Rust code\)/);
  });
});

describe('case 10: a native object needs a hidden helper-side symbol', () => {
  function nativeObject(ws: FixtureWorkspace, source = 'drv/native.c', object = 'drv/native.o') {
    runOk('clang-22', ['-O2', '-fPIC', '-c', source, '-o', object], ws.root);
  }

  test('positive control: the README recipe leaves shared_peek undefined and the program does not link', () => {
    const ws = workspace('10');
    const d = ws.abs('drv');
    runOk('rustc', ['--edition=2021', '--crate-type=lib', '-O', '-Ccodegen-units=1', '-Cpanic=abort', '-Crelocation-model=pic', '--emit=llvm-bc=driver.bc', 'driver.rs'], d);
    runOk('clang-22', ['--target=x86_64-unknown-linux-gnu', '-O2', '-fPIC', '-flto=thin', '-c', '-emit-llvm', 'helpers.c', '-o', 'helpers.bc'], d);
    runOk('clang-22', ['-O2', '-fPIC', '-c', 'native.c', '-o', 'native.o'], d);
    runOk('llvm-link-22', ['driver.bc', '--internalize', 'helpers.bc', '-o', 'm.bc'], d);
    runOk('ld.lld-22', ['-r', 'm.bc', 'native.o', '-o', 'driver.o'], d);
    expect(runOk('llvm-nm-22', ['-u', 'driver.o'], d).stdout).toMatch(/U shared_peek/);
    expect(run('cc', ['main.c', 'driver.o', '-o', 't'], d).status).not.toBe(0);
  });

  test('through the product the symbols stay inside the object, local, and the program links and prints 2', async () => {
    const ws = workspace('10');
    nativeObject(ws);
    await rustStep(ws);
    await clangStep(ws);
    const { result, out } = await lldStep(ws, { objects: ['drv/native.o'] });
    expect({ result, errors: out.errors }).toEqual({ result: { success: true }, errors: [] });
    const nm = runOk('llvm-nm-22', [ws.abs(OBJECT)]).stdout;
    expect(nm).not.toMatch(/ U shared_/);
    expect(nm).toMatch(/ t shared_peek$/m);
    expect(nm).toMatch(/ [bd] shared_count$/m);
    expect(externalDefined(ws.abs(OBJECT))).toEqual(['driver_entry', 'native_read']);
    runOk('cc', ['drv/main.c', OBJECT, '-o', 't'], ws.root);
    expect(runOk(ws.abs('t'), []).stdout).toContain('native side sees 2');
  });

  test('a hidden variable defined both in the helper C code and in a native object fails the build naming it', async () => {
    const ws = workspace('10');
    writeFileSync(ws.abs('drv/twin.c'), '__attribute__((visibility("hidden"))) unsigned int shared_count;\nunsigned int twin_read(void) { return shared_count; }\n');
    nativeObject(ws, 'drv/twin.c', 'drv/twin.o');
    await rustStep(ws);
    await clangStep(ws);
    const { result, out } = await lldStep(ws, { objects: ['drv/twin.o'] });
    expect(result).toEqual({ success: false });
    const message = out.errors.join('\n');
    expect(message).toMatch(/shared_count is defined both in dist\/drv\/c\/helpers\.bc and in drv\/twin\.o \(option 'objects'\)/);
    expect(existsSync(ws.abs(OBJECT))).toBe(false);
  });
});

describe('case 11: the Rust side names a CPU, the C side names features', () => {
  test('positive control: the README recipe inlines (LLVM knows skylake has AVX2 and FMA)', () => {
    const ws = workspace('11');
    const d = ws.abs('drv');
    runOk('rustc', ['--edition=2021', '--crate-type=lib', '-O', '-Ccodegen-units=1', '-Cpanic=abort', '-Ctarget-cpu=skylake', '--emit=llvm-bc=driver.bc', 'driver.rs'], d);
    runOk('clang-22', ['--target=x86_64-unknown-linux-gnu', '-O2', '-mavx2', '-mfma', '-flto=thin', '-c', '-emit-llvm', 'helpers.c', '-o', 'helpers.bc'], d);
    runOk('llvm-link-22', ['driver.bc', '--internalize', 'helpers.bc', '-o', 'm.bc'], d);
    runOk('ld.lld-22', ['-r', 'm.bc', '-o', 'driver.o'], d);
    expect(runOk('llvm-objdump-22', ['-d', 'driver.o'], d).stdout).toMatch(/vfmadd/);
    expect(codeReferences(readElf(join(d, 'driver.o'))).filter((r) => r.to === 'helper_fma_sum')).toEqual([]);
  });

  test('-Ctarget-cpu=skylake with -mavx2 -mfma helpers: inlined, no feature violation', async () => {
    const ws = workspace('11');
    await rustStep(ws, { rustflags: ['-Ctarget-cpu=skylake'] });
    await clangStep(ws, { cflags: ['-mavx2', '-mfma'] });
    const { result, out } = await lldStep(ws);
    expect({ result, errors: out.errors }).toEqual({ result: { success: true }, errors: [] });
    const r = report(ws);
    expect(callSite(r, 'helper_fma_sum', 'driver_entry')).toEqual(expect.objectContaining({ verdict: 'inlined', relocations: 0 }));
    expect(r.featureViolations).toEqual([]);
  });

  test('a real difference (Rust at x86-64-v2): one short line naming only avx2 and fma with real flags', async () => {
    const ws = workspace('11');
    await rustStep(ws, { rustflags: ['-Ctarget-cpu=x86-64-v2'] });
    await clangStep(ws, { cflags: ['-mavx2', '-mfma'] });
    const { result, out } = await lldStep(ws);
    expect(result).toEqual({ success: false });
    const r = report(ws);
    expect(r.featureViolations).toHaveLength(1);
    const v = r.featureViolations[0];
    expect(v.flag).toBe('-mavx2 -mfma');
    expect(v.message).toContain('avx2, fma');
    expect(v.message).not.toMatch(/-m64bit|\+sse|\+cmov/);
    expect(v.message.length).toBeLessThan(400);
    expect(v.features).not.toContain('64bit');
    const errorLines = out.text().split('\n').filter((l) => l.includes('may use target features'));
    expect(errorLines.every((l) => l.length < 600)).toBe(true);
  });
});

describe('link readiness: Rust runtime symbols left undefined', () => {
  // Indexing a slice needs core::panicking::panic_bounds_check, which only the Rust runtime defines.
  const INDEXING = [
    '#![no_std]',
    'extern "C" { fn helper_scale(x: u32) -> u32; }',
    '#[no_mangle]',
    'pub extern "C" fn driver_pick(xs: *const u32, n: usize, i: usize) -> u32 {',
    '    let s = unsafe { core::slice::from_raw_parts(xs, n) };',
    '    unsafe { helper_scale(s[i]) }',
    '}',
    '',
  ].join('\n');

  test('an object that needs panic_bounds_check fails the build naming it demangled and the function; runtimeSymbols "warn" builds', async () => {
    const ws = workspace('01');
    writeFileSync(ws.abs('drv/driver.rs'), INDEXING);
    await rustStep(ws);
    await clangStep(ws);
    const failed = await lldStep(ws);
    expect(failed.result).toEqual({ success: false });
    const message = failed.out.errors.join('\n');
    expect(message).toContain('core::panicking::panic_bounds_check (needed by driver_pick)');
    expect(message).toMatch(/runtimeSymbols "warn"/);
    expect(message.split('\n')).toHaveLength(1);
    // Positive control, independent of the plugin: the object really leaves it undefined.
    const undef = runOk('llvm-nm-22', ['-u', ws.abs(OBJECT)]).stdout;
    expect(runOk('llvm-cxxfilt-22', undef.split(/\s+/).filter((w) => w.startsWith('_R'))).stdout).toContain('core::panicking::panic_bounds_check');
    const r = report(ws);
    expect(r.undefinedSymbols).toContainEqual(expect.objectContaining({ demangled: 'core::panicking::panic_bounds_check', referencedBy: ['driver_pick'], rustRuntime: true }));

    const warned = await lldStep(ws, { runtimeSymbols: 'warn' });
    expect({ result: warned.result, errors: warned.out.errors }).toEqual({ result: { success: true }, errors: [] });
    expect(warned.out.warnings.join('\n')).toContain('core::panicking::panic_bounds_check');
  });

  test('control: the same code with slice.get() leaves nothing of the runtime undefined and builds', async () => {
    const ws = workspace('01');
    writeFileSync(ws.abs('drv/driver.rs'), INDEXING.replace('helper_scale(s[i])', 'helper_scale(*s.get(i).unwrap_or(&0))'));
    await rustStep(ws);
    await clangStep(ws);
    const { result, out } = await lldStep(ws);
    expect({ result, errors: out.errors }).toEqual({ result: { success: true }, errors: [] });
    expect(report(ws).summary.rustRuntimeSymbols).toBe(0);
  });
});

describe('property over every report produced above', () => {
  test('no call site is "inlined" while codeReferences(readElf(object)) shows that caller referencing that helper', () => {
    // Each report was also checked as it was written; this re-checks them all together and
    // makes sure the property is not vacuous (01: 1, 04: 2, 06: 4 reports when run in full).
    expect(checkedReports.length).toBeGreaterThanOrEqual(1);
    for (const { ws, reportRel, objectRel } of checkedReports) checkReport(ws, reportRel, objectRel);
    const sites = checkedReports.flatMap(({ ws, reportRel }) =>
      (JSON.parse(readFileSync(ws.abs(reportRel), 'utf8')) as InlineReport).helpers.flatMap((h) => h.callSites),
    );
    expect(sites.some((s) => s.verdict === 'inlined')).toBe(true);
  });
});

