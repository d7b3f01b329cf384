/**
 * Issue 8 (robustness), through the real executor functions and the real tools: option
 * validation, missing inputs, verbatim tool errors, atomic outputs under SIGINT/SIGTERM
 * (executor process killed mid-step), no shell, generator option validation and the doctor's
 * remote-cache check against a faulty server. The same points through real `nx` are in
 * e2e/robustness.spec.ts.
 */
import { logger } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPortUrl, RemoteCacheServer, startRemoteCacheServer } from '../../../../e2e/support/remote-cache-server';
import { driverGenerator } from '../generators/driver/generator';
import { initGenerator } from '../generators/init/generator';
import { ideSyncGenerator } from '../generators/ide-sync/generator';
import bindgen from './bindgen/executor';
import clangBc from './clang-bc/executor';
import doctor from './doctor/executor';
import hostTest from './host-test/executor';
import lldRelocatable from './lld-relocatable/executor';
import rustBc from './rust-bc/executor';
import { repoRoot } from './testing/fixture-workspace';
import { listFiles as files } from './testing/fixture-workspace';

// ---------------------------------------------------------------------------------------
// A workspace at a path with a space and non-ASCII characters, and captured output
// ---------------------------------------------------------------------------------------

const base = mkdtempSync(join(tmpdir(), 'local-lto-robust-'));
/** The workspace root: every executor below runs with it, so every tool sees the space and ü. */
const root = join(base, 'ws with space', 'ünï');
const abs = (p: string) => join(root, p);
const context = (projectName = 'drv', projectRoot = 'drv', targetName = 'build', extraProjects: Record<string, unknown> = {}) =>
  ({
    root,
    cwd: root,
    isVerbose: false,
    projectName,
    targetName,
    projectsConfigurations: { version: 2, projects: { [projectName]: { root: projectRoot }, ...extraProjects } },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
  }) as any;

const LIB_RS = `#![no_std]
extern "C" {
    fn rust_helper_echo(x: u32) -> u32;
}
#[no_mangle]
pub extern "C" fn drv_entry(x: u32) -> u32 {
    unsafe { rust_helper_echo(x) }
}
#[cfg(feature = "a b; $(touch pwned-cfg) \`touch pwned-tick\` 'q' \\"dq\\"")]
#[no_mangle]
pub extern "C" fn drv_cfg_arrived() {}
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
`;

const HELPERS_C = `#include <odd.h>
#define STR_(x) #x
#define STR(x) STR_(x)
/* The -D value as the compiler saw it: proves it arrived as one argument, unexpanded by any shell. */
const char robust_define[] = STR(X);
const char robust_odd[] = ODD_HEADER_SEEN;
unsigned int rust_helper_echo(unsigned int x) { return x + 1; }
`;

/** An include folder whose name holds a newline, a space, quotes, \`$()\`, backticks and ';'. */
const ODD_DIR = `drv/inc\nnl "q" 'q' $(touch pwned-inc); \`touch pwned-inc2\``;

beforeAll(() => {
  mkdirSync(abs('drv'), { recursive: true });
  writeFileSync(abs('drv/lib.rs'), LIB_RS);
  writeFileSync(abs('drv/helpers.c'), HELPERS_C);
  mkdirSync(abs(ODD_DIR), { recursive: true });
  writeFileSync(join(abs(ODD_DIR), 'odd.h'), '#define ODD_HEADER_SEEN "odd header seen"\n');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

interface Out {
  errors: string[];
  text(): string;
}

/** Runs `fn` with logger, console and stderr captured (the executors print through all three). */
async function captured<T>(fn: () => Promise<T>): Promise<{ result: T; out: Out }> {
  const errors: string[] = [];
  const all: string[] = [];
  const str = (a: unknown[]) => a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ');
  const spies: jest.SpyInstance[] = [
    jest.spyOn(logger, 'error').mockImplementation((...a: unknown[]) => void (errors.push(str(a)), all.push(str(a)))),
    jest.spyOn(logger, 'warn').mockImplementation((...a: unknown[]) => void all.push(str(a))),
    jest.spyOn(logger, 'info').mockImplementation((...a: unknown[]) => void all.push(str(a))),
    jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void all.push(str(a))),
    jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (errors.push(str(a)), all.push(str(a)))),
    jest.spyOn(process.stderr, 'write').mockImplementation(((chunk: unknown) => (all.push(String(chunk)), true)) as never),
  ];
  try {
    return { result: await fn(), out: { errors, text: () => all.join('\n') } };
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
}


const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const dis = (bc: string) => spawnSync('llvm-dis-22', [bc, '-o', '-'], { encoding: 'utf8' }).stdout;

// ---------------------------------------------------------------------------------------
// 1. Options
// ---------------------------------------------------------------------------------------

describe('1. every executor and generator rejects a bad option with one line naming option, value and accepted values', () => {
  type Exec = (o: any, c: any) => Promise<{ success: boolean }>;
  const valid: Array<[string, Exec, Record<string, unknown>]> = [
    ['rust-bc', rustBc, { crateRoot: 'drv/lib.rs' }],
    ['clang-bc', clangBc, { sources: ['drv/helpers.c'] }],
    ['lld-relocatable', lldRelocatable, { rustBitcode: 'dist/drv/rust/drv.bc' }],
    ['host-test', hostTest, { sources: ['drv/helpers.c'] }],
    ['doctor', doctor, {}],
    ['bindgen', bindgen, { headers: ['stdint.h'] }],
  ];
  // [executor, bad option, value, what the line must also name (the accepted values)]
  const cases: Array<[string, string, unknown, RegExp]> = [
    ['rust-bc', 'bogus', 1, /unknown option 'bogus'; accepted options: crateRoot, crateName, edition/],
    ['rust-bc', 'edition', '2019', /option 'edition' is "2019"; accepted values: "2015", "2018", "2021", "2024"/],
    ['rust-bc', 'edition', 2021, /option 'edition' must be of type string, got 2021; accepted values: "2015", "2018", "2021", "2024"/],
    ['rust-bc', 'cfg', 'feature="x"', /option 'cfg' must be of type array, got "feature=\\"x\\""/],
    ['clang-bc', 'ltoMode', 'fat', /option 'ltoMode' is "fat"; accepted values: "thin", "full"/],
    ['clang-bc', 'defines', [1], /option 'defines\.0' must be of type string, got 1/],
    ['clang-bc', 'sourcez', ['x.c'], /unknown option 'sourcez'; accepted options: sources, includeDirs/],
    ['lld-relocatable', 'inlinePolicy', 'ignore', /option 'inlinePolicy' is "ignore"; accepted values: "error", "warn"/],
    ['lld-relocatable', 'internalize', 'yes', /option 'internalize' must be of type boolean, got "yes"/],
    ['lld-relocatable', 'ltoOptLevel', 3, /option 'ltoOptLevel' must be of type string, got 3; accepted values: "0", "1", "2", "3"/],
    ['host-test', 'pie', 'no', /option 'pie' must be of type boolean, got "no"/],
    ['host-test', 'linkLib', ['uring'], /unknown option 'linkLib'; accepted options: sources, objects, includeDirs, linkLibs/],
    ['doctor', 'remoteCacheTimeoutMs', 0, /option 'remoteCacheTimeoutMs' must be >= 1, got 0/],
    ['doctor', 'clang', true, /option 'clang' must be of type string, got true/],
    ['doctor', 'colour', 'red', /unknown option 'colour'; accepted options: rustc, clang, llvmLink, linker, remoteCache/],
    ['bindgen', 'headers', [], /option 'headers' must NOT have fewer than 1 items, got \[\]/],
    ['bindgen', 'functions', 'io_.*', /option 'functions' must be of type array, got "io_\.\*"/],
    ['bindgen', 'allowlist', ['x'], /unknown option 'allowlist'; accepted options: headers, functions, types, vars/],
  ];
  it.each(cases)('%s: %s = %j', async (name, option, value, expected) => {
    const [, run, options] = valid.find(([n]) => n === name)!;
    const before = files(abs('dist'));
    const { result, out } = await captured(() => run({ ...options, [option]: value }, context('drv', 'drv', name)));
    expect(result.success).toBe(false);
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).not.toContain('\n');
    expect(out.errors[0]).toContain(`(nx-local-lto:${name})`);
    expect(out.errors[0]).toMatch(expected);
    expect(files(abs('dist'))).toEqual(before); // nothing ran
  });

  it('a missing required option is named', async () => {
    const { result, out } = await captured(() => rustBc({} as any, context()));
    expect(result.success).toBe(false);
    expect(out.errors).toEqual([expect.stringMatching(/option 'crateRoot' is required$/)]);
  });

  it.each([
    ['driver profile: "bogus"', (t: any) => driverGenerator(t, { name: 'ok', profile: 'bogus' } as any), /option 'profile' is "bogus"; accepted values: "user", "kernel"/],
    ['driver skipFormat: "yes"', (t: any) => driverGenerator(t, { name: 'ok', skipFormat: 'yes' } as any), /option 'skipFormat' must be of type boolean, got "yes"/],
    ['driver dir: "x" (unknown)', (t: any) => driverGenerator(t, { name: 'ok', dir: 'x' } as any), /unknown option 'dir'; accepted options: name, directory/],
    ['init force: true (unknown)', (t: any) => initGenerator(t, { force: true } as any), /unknown option 'force'; accepted options: skipFormat/],
    ['ide-sync all: true (unknown)', (t: any) => ideSyncGenerator(t, { all: true } as any), /unknown option 'all'/],
  ])('generator %s', async (_name, run, expected) => {
    const tree = createTreeWithEmptyWorkspace();
    const before = tree.listChanges().map((c) => `${c.type} ${c.path}`);
    await expect(run(tree)).rejects.toThrow(expected);
    expect(tree.listChanges().map((c) => `${c.type} ${c.path}`)).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------
// 2. Missing or unreadable inputs
// ---------------------------------------------------------------------------------------

describe('2. a missing or unreadable input names the file and the option (or the target that makes it)', () => {
  const kernelHelpers = {
    root: 'libs/kernel-helpers',
    targets: { 'clang-bc-user': { outputs: ['{workspaceRoot}/dist/{projectRoot}/c/user'] } },
  };
  it.each([
    ['rust-bc crateRoot', () => rustBc({ crateRoot: 'drv/nope.rs' } as any, context()), /option 'crateRoot' names drv\/nope\.rs, which does not exist/],
    ['rust-bc crateRoot is a folder', () => rustBc({ crateRoot: 'drv' } as any, context()), /option 'crateRoot' names drv, which is a folder, not a file/],
    ['rust-bc externs', () => rustBc({ crateRoot: 'drv/lib.rs', externs: { kernel: 'dist/libkernel.rmeta' } } as any, context()), /option 'externs\.kernel' names dist\/libkernel\.rmeta, which does not exist/],
    ['clang-bc sources', () => clangBc({ sources: ['drv/helpers.c', 'drv/gone.c'] } as any, context()), /option 'sources' names drv\/gone\.c, which does not exist/],
    ['clang-bc includeDirs', () => clangBc({ sources: ['drv/helpers.c'], includeDirs: ['drv/include'] } as any, context()), /option 'includeDirs' names drv\/include, which does not exist/],
    ['clang-bc includeDirs is a file', () => clangBc({ sources: ['drv/helpers.c'], includeDirs: ['drv/helpers.c'] } as any, context()), /option 'includeDirs' names drv\/helpers\.c, which is a file, not a folder/],
    ['lld-relocatable rustBitcode', () => lldRelocatable({ rustBitcode: 'dist/drv/rust/none.bc' } as any, context()), /option 'rustBitcode' names dist\/drv\/rust\/none\.bc, which does not exist/],
    [
      "lld-relocatable: a dependency's bitcode",
      () => lldRelocatable({ rustBitcode: 'drv/lib.rs', bitcode: ['dist/libs/kernel-helpers/c/user/src/kuid.bc'] } as any, context('drv', 'drv', 'build', { 'kernel-helpers': kernelHelpers })),
      /option 'bitcode' names dist\/libs\/kernel-helpers\/c\/user\/src\/kuid\.bc, which does not exist; it is an output of kernel-helpers:clang-bc-user: build that first \(nx run kernel-helpers:clang-bc-user\)/,
    ],
    ['host-test objects', () => hostTest({ sources: ['drv/helpers.c'], objects: ['dist/drv/drv.o'] } as any, context()), /option 'objects' names dist\/drv\/drv\.o, which does not exist/],
  ])('%s', async (_name, run, expected) => {
    const { result, out } = await captured(run);
    expect(result.success).toBe(false);
    expect(out.errors).toEqual([expect.stringMatching(expected)]);
  });
});

// ---------------------------------------------------------------------------------------
// 3. Tool errors verbatim
// ---------------------------------------------------------------------------------------

describe('3. compiler and linker errors reach the user verbatim with the full command line, and leave no output', () => {
  afterAll(() => rmSync(abs('dist'), { recursive: true, force: true }));

  it('clang: file:line:col and the command line; no .bc, .d or temporary left', async () => {
    writeFileSync(abs('drv/broken.c'), 'int ok(void) { return 1; }\nint broken(void) {\n  return undeclared_name;\n}\n');
    const { result, out } = await captured(() => clangBc({ sources: ['drv/broken.c'], outputDir: 'dist/broken' } as any, context()));
    expect(result.success).toBe(false);
    const text = out.errors.join('\n');
    expect(text).toMatch(/drv\/broken\.c:3:10: error: use of undeclared identifier 'undeclared_name'/);
    expect(text).toMatch(/command: \S*clang\S* .*-c drv\/broken\.c -o /);
    expect(files(abs('dist/broken'))).toEqual([]);
  });

  it('rustc: --> file:line:col and the command line; no .bc, .d or temporary left', async () => {
    writeFileSync(abs('drv/broken.rs'), '#![no_std]\npub fn f() -> u32 {\n    "not a number"\n}\n');
    const { result, out } = await captured(() => rustBc({ crateRoot: 'drv/broken.rs', outputPath: 'dist/broken-rs/broken.bc' } as any, context()));
    expect(result.success).toBe(false);
    const text = out.errors.join('\n');
    expect(text).toMatch(/error\[E0308\]: mismatched types/);
    expect(text).toMatch(/--> drv\/broken\.rs:3:5/);
    expect(text).toMatch(/command: \S*rustc .*drv\/broken\.rs/);
    expect(files(abs('dist/broken-rs'))).toEqual([]);
  });

  it('llvm-link: a symbol defined twice is reported as LLVM prints it, with the command line; no object or report', async () => {
    writeFileSync(abs('drv/dup.c'), 'unsigned int rust_helper_echo(unsigned int x) { return x; }\nunsigned int drv_entry(unsigned int x) { return x; }\n');
    const ctx = context();
    expect((await captured(() => rustBc({ crateRoot: 'drv/lib.rs' } as any, ctx))).result.success).toBe(true);
    expect((await captured(() => clangBc({ sources: ['drv/dup.c'], outputDir: 'dist/dup' } as any, ctx))).result.success).toBe(true);
    const { result, out } = await captured(() =>
      lldRelocatable({ rustBitcode: 'dist/drv/rust/drv.bc', bitcode: ['dist/dup/dup.bc'], output: 'dist/dup/out/drv.o' } as any, ctx),
    );
    expect(result.success).toBe(false);
    const text = out.errors.join('\n');
    expect(text).toMatch(/symbol multiply defined|multiple definition|duplicate symbol/i);
    expect(text).toContain('drv_entry');
    expect(text).toMatch(/command: \S*(llvm-link|ld\.lld)\S* /);
    expect(files(abs('dist/dup/out'))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// 5. No shell
// ---------------------------------------------------------------------------------------

describe('5. no shell: hostile option values reach the tools as single arguments', () => {
  const define = 'X=$(touch pwned) `touch pwned2`; touch pwned3 "dq" \'sq\'';
  it('clang-bc: a define and an include folder with $(), backticks, ;, quotes, spaces and a newline', async () => {
    const { result, out } = await captured(() =>
      clangBc({ sources: ['drv/helpers.c'], defines: [define], includeDirs: [ODD_DIR], outputDir: 'dist/hostile' } as any, context()),
    );
    expect(result.success).toBe(true);
    const ir = dis(abs('dist/hostile/helpers.bc'));
    // The value arrived unexpanded (stringized by the preprocessor; quotes escaped by it).
    expect(ir).toContain('@robust_define = ');
    expect(ir).toContain('c"$(touch pwned) `touch pwned2`; touch pwned3 \\22dq\\22 \'sq\'\\00"');
    expect(ir).toContain('c"odd header seen\\00"');
    expect(out.errors).toEqual([]);
  });

  it('rust-bc: a cfg value with the same characters selects the item, exactly', async () => {
    const cfg = 'feature="a b; $(touch pwned-cfg) `touch pwned-tick` \'q\' \\"dq\\""';
    const { result, out } = await captured(() => rustBc({ crateRoot: 'drv/lib.rs', cfg: [cfg], outputPath: 'dist/hostile/rust/drv.bc' } as any, context()));
    expect(out.errors).toEqual([]);
    expect(result.success).toBe(true);
    expect(dis(abs('dist/hostile/rust/drv.bc'))).toMatch(/define .*@drv_cfg_arrived\(/);
  });

  it('no file named pwned* was created anywhere the tools ran', () => {
    const hits = [root, process.cwd(), repoRoot, tmpdir()].flatMap((d) => readdirSync(d).filter((f) => f.startsWith('pwned')).map((f) => join(d, f)));
    expect(hits).toEqual([]);
    expect(files(root).filter((f) => /pwned/.test(f.split('/').pop()!))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// 4. Atomic outputs: the executor process killed in the middle of each step
// ---------------------------------------------------------------------------------------

/** A crate that keeps rustc busy for seconds (shared case 07's shape, scaled up), calling one helper. */
function slowCrate(functions: number): string {
  let s = '#![no_std]\nextern "C" { fn rust_helper_mix(x: u64) -> u64; }\n';
  for (let i = 0; i < functions; i++) {
    s += `pub mod m${i} { #[inline(never)] pub fn f${i}(x: u64) -> u64 { let mut a = x; for j in 0..${3 + (i % 40)} { a = a.rotate_left(j) ^ ${i * 7919}; } a } }\n`;
  }
  s += `#[no_mangle] pub extern "C" fn all(x: u64) -> u64 { (unsafe { rust_helper_mix(x) })${Array.from({ length: functions }, (_, i) => ` ^ m${i}::f${i}(x)`).join('')} }\n`;
  return s + '#[panic_handler]\nfn panic(_: &core::panic::PanicInfo) -> ! { loop {} }\n';
}

/** C that keeps clang -O2 busy for seconds. */
function slowC(functions: number): string {
  let c = '';
  for (let i = 0; i < functions; i++) {
    c += `unsigned long h${i}(unsigned long x){unsigned long a=x;for(int j=0;j<${3 + (i % 40)};j++){a=(a<<(j%63))^(a>>3)^${i * 7919}ul;} return a;}\n`;
  }
  return c + `unsigned long slow_all(unsigned long x){return 0${Array.from({ length: functions }, (_, i) => ` ^ h${i}(x)`).join('')};}\n`;
}

const CLI = join(__dirname, 'testing', 'run-executor-cli.ts');

/** Runs one executor in its own node process (as Nx's task runner does). */
function startExecutor(name: string, options: Record<string, unknown>, slowRoot: string): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> } {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', CLI, name, slowRoot, 'drv', JSON.stringify(options)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, output })));
  return { child, done };
}

/** Pids and names of the processes whose command line mentions `needle` (from `ps`). */
function processesMentioning(needle: string): Array<{ pid: number; ppid: number; comm: string }> {
  const ps = spawnSync('ps', ['-eo', 'pid=,ppid=,comm=,args='], { encoding: 'utf8' }).stdout;
  return ps
    .split('\n')
    .filter((l) => l.includes(needle) && !/\bps -eo\b/.test(l))
    .map((l) => l.trim().split(/\s+/))
    .map(([pid, ppid, comm]) => ({ pid: Number(pid), ppid: Number(ppid), comm }));
}

async function until<T>(what: string, get: () => T | undefined, timeoutMs = 120000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('4. atomic outputs: the executor process killed by SIGINT or SIGTERM in the middle of each step', () => {
  const slowRoot = join(base, 'slow ws ü');
  const steps: Array<{ name: string; tool: RegExp; options: Record<string, unknown>; outputs: string[] }> = [
    { name: 'rust-bc', tool: /^rustc$/, options: { crateRoot: 'drv/big.rs' }, outputs: ['dist/drv/rust/drv.bc', 'dist/drv/rust/drv.d'] },
    { name: 'clang-bc', tool: /^clang/, options: { sources: ['drv/big.c', 'drv/mix.c'] }, outputs: ['dist/drv/c/big.bc', 'dist/drv/c/big.d', 'dist/drv/c/mix.bc', 'dist/drv/c/mix.d'] },
    { name: 'lld-relocatable', tool: /^ld\.lld/, options: { rustBitcode: 'dist/drv/rust/drv.bc', bitcode: ['dist/drv/c/mix.bc'] }, outputs: ['dist/drv/drv.o', 'dist/drv/inline-report.json'] },
  ];

  beforeAll(() => {
    mkdirSync(join(slowRoot, 'drv'), { recursive: true });
    writeFileSync(join(slowRoot, 'drv/big.rs'), slowCrate(1500));
    writeFileSync(join(slowRoot, 'drv/big.c'), slowC(300));
    writeFileSync(join(slowRoot, 'drv/mix.c'), 'unsigned long rust_helper_mix(unsigned long x) { return x * 3 + 1; }\n');
  });

  for (const step of steps) {
    it(`${step.name}: SIGINT leaves nothing, a full run succeeds, SIGTERM during a rerun leaves the previous outputs as they were`, async () => {
      const dist = join(slowRoot, 'dist');
      const outputsOf = () => step.outputs.filter((o) => existsSync(join(slowRoot, o)));
      const temporaries = () => files(dist).filter((f) => f.includes('.tmp-'));

      const kill = async (signal: NodeJS.Signals) => {
        const { child, done } = startExecutor(step.name, step.options, slowRoot);
        let exited: string | undefined;
        void done.then((r) => (exited = `the executor exited (${r.code ?? r.signal}) before ${step.tool} ran:\n${r.output}`));
        const tool = await until(`${step.name} to start ${step.tool}`, () => {
          if (exited) throw new Error(exited);
          return processesMentioning(base).find((p) => step.tool.test(p.comm) && p.ppid === child.pid);
        });
        await new Promise((r) => setTimeout(r, 300)); // well inside the tool's run
        child.kill(signal);
        const end = await done;
        expect(end.signal).toBe(signal); // died of the signal, as Node does by default
        // The child compiler did not outlive the executor (no orphan re-parented to init).
        await until(`${tool.comm} (pid ${tool.pid}) to end`, () => (processesMentioning(base).length === 0 ? true : undefined), 10000);
        expect(temporaries()).toEqual([]);
        return end;
      };

      // SIGINT on a clean output folder: no output at all.
      for (const o of step.outputs) rmSync(join(slowRoot, o), { force: true });
      await kill('SIGINT');
      expect(outputsOf()).toEqual([]);

      // The next build succeeds.
      const full = await startExecutor(step.name, step.options, slowRoot).done;
      expect({ code: full.code, output: full.output }).toEqual({ code: 0, output: expect.any(String) });
      expect(outputsOf()).toEqual(step.outputs);
      const before = Object.fromEntries(step.outputs.map((o) => [o, sha(join(slowRoot, o))]));

      // SIGTERM during a rebuild: the previous outputs are untouched, no temporary is left.
      await kill('SIGTERM');
      expect(Object.fromEntries(step.outputs.map((o) => [o, sha(join(slowRoot, o))]))).toEqual(before);
      if (step.name === 'lld-relocatable') {
        const report = JSON.parse(readFileSync(join(slowRoot, 'dist/drv/inline-report.json'), 'utf8'));
        expect(report.summary).toMatchObject({ requiredCalls: 0 });
      }
    });
  }
});

// ---------------------------------------------------------------------------------------
// 8. doctor checks the configured remote cache
// ---------------------------------------------------------------------------------------

describe('8. doctor checks the configured remote cache and says what it found in one line', () => {
  let server: RemoteCacheServer;
  const saved = { ...process.env };
  beforeAll(async () => {
    server = await startRemoteCacheServer([
      { name: 'ci', token: 'rw-token', write: true },
      { name: 'pr', token: 'ro-token', write: false },
    ]);
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => {
    for (const k of ['NX_SELF_HOSTED_REMOTE_CACHE_SERVER', 'NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    server.fault = { kind: 'none' };
  });

  async function runDoctorWith(url: string | undefined, token: string | undefined, options: Record<string, unknown> = {}) {
    if (url === undefined) delete process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER;
    else process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER = url;
    if (token === undefined) delete process.env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN;
    else process.env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN = token;
    const before = server.entries.size;
    const { result, out } = await captured(() => doctor({ remoteCacheTimeoutMs: 1500, ...options } as any, context('drv', 'drv', 'doctor')));
    const lines = out.text().split('\n').filter((l) => /remote cache/.test(l) && !/^\s*$/.test(l));
    return { success: result.success, line: lines[0] ?? '', lines, written: server.entries.size - before };
  }

  it('none configured: says so, passes', async () => {
    const r = await runDoctorWith(undefined, undefined);
    expect(r).toMatchObject({ success: true, written: 0 });
    expect(r.line).toMatch(/^ok {3}remote cache: none \(NX_SELF_HOSTED_REMOTE_CACHE_SERVER is not set\)/);
  });

  it('healthy, read-write token: reachable, token accepted, read (no write without the probe)', async () => {
    const r = await runDoctorWith(server.url, 'rw-token');
    expect(r).toMatchObject({ success: true, written: 0 });
    expect(r.line).toMatch(/^ok {3}remote cache http:\/\/127\.0\.0\.1:\d+: reachable, token accepted, read \(write not probed/);
    expect(server.requests.at(-1)).toMatchObject({ method: 'GET', status: 404, token: 'ci' });
  });

  it('with the write probe: read-write (one probe entry written) or read-only (403, nothing written)', async () => {
    const rw = await runDoctorWith(server.url, 'rw-token', { remoteCacheWriteProbe: true });
    expect(rw).toMatchObject({ success: true, written: 1 });
    expect(rw.line).toMatch(/reachable, token accepted, read-write \(probe PUT answered 200/);
    const ro = await runDoctorWith(server.url, 'ro-token', { remoteCacheWriteProbe: true });
    expect(ro).toMatchObject({ success: true, written: 0 });
    expect(ro.line).toMatch(/reachable, token accepted, read-only \(probe PUT answered 403\)/);
    server.fault = { kind: 'read-only' };
    const forcedRo = await runDoctorWith(server.url, 'rw-token', { remoteCacheWriteProbe: true });
    expect(forcedRo.line).toMatch(/read-only \(probe PUT answered 403\)/);
  });

  it.each([
    ['down (closed port)', async () => runDoctorWith(await closedPortUrl(), 'rw-token'), /UNREACHABLE \(ECONNREFUSED\); Nx fails the whole run \("Failed to send request"\)/],
    ['slow (answers after the bound)', async () => ((server.fault = { kind: 'slow', delayMs: 4000 }), runDoctorWith(server.url, 'rw-token')), /SLOW, no answer within 1500 ms to GET .*Nx 22 sets no timeout/],
    ['garbage', async () => ((server.fault = { kind: 'garbage' }), runDoctorWith(server.url, 'rw-token')), /answered GET of a hash no task has with 200 and \d+ bytes: .*GARBAGE; Nx fails the whole run \("Failed to read entry from tarball"\)/],
    ['token rejected (401)', async () => runDoctorWith(server.url, 'wrong-token'), /token REFUSED \(GET answered 401\); Nx fails the whole run \("Unauthorized"\)/],
    ['no token (401)', async () => runDoctorWith(server.url, undefined), /token REFUSED \(GET answered 401; NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN is not set\)/],
    ['not a URL', async () => runDoctorWith('not a url', 'x'), /not a URL/],
  ])('%s: FAIL line, doctor fails', async (_name, run, expected) => {
    const r = await (run as () => ReturnType<typeof runDoctorWith>)();
    expect(r.success).toBe(false);
    expect(r.written).toBe(0);
    expect(r.line).toMatch(/^FAIL remote cache /);
    expect(r.line).toMatch(expected);
  });
});

