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
  const contradictions = report.helpers.flatMap((h) =>
    h.callSites
      .filter((s) => s.verdict === 'inlined' && refs.some((r) => r.from === s.caller && r.to === h.symbol))
      .map((s) => `${s.caller} -> ${h.symbol} is 'inlined' in ${reportRel} but ${objectRel} references it`),
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

