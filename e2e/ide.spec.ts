import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import which from 'which';
import { addPathDependencyCrate } from './support/cargo';
import { copyWorkspace, isolatedNxEnv, nx } from './support/workspace';

interface CompileCommand {
  directory: string;
  file: string;
  arguments: string[];
  output: string;
}
interface RustProject {
  sysroot: string;
  sysroot_src?: string;
  crates: Array<{ display_name: string; root_module: string; is_workspace_member: boolean; deps: Array<{ crate: number; name: string }>; source: { include_dirs: string[] } }>;
}

/** The entry's command line for a syntax check: without -c, -o, -MD, -MF, -MT (and their values) and the compiler itself. */
function syntaxOnlyArgs(entry: CompileCommand): string[] {
  const args: string[] = [];
  const rest = entry.arguments.slice(1);
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '-o' || rest[i] === '-MF' || rest[i] === '-MT') i++;
    else if (rest[i] !== '-c' && rest[i] !== '-MD') args.push(rest[i]);
  }
  return ['-fsyntax-only', ...args];
}

/**
 * The rust-analyzer that runs: $RUST_ANALYZER, else the first `rust-analyzer` on PATH whose
 * `--version` works (rustup's proxy in ~/.cargo/bin fails without the component), else
 * Debian's /usr/bin/rust-analyzer (package rust-web-analyzer, installed by scripts/setup.sh).
 */
async function findRustAnalyzer(): Promise<string | undefined> {
  const candidates = [process.env.RUST_ANALYZER, ...((await which('rust-analyzer', { all: true, nothrow: true })) ?? []), '/usr/bin/rust-analyzer'];
  for (const c of candidates) {
    if (c && !(await execa(c, ['--version'], { reject: false, stdin: 'ignore' })).failed) return c;
  }
  return undefined;
}

/** compile_commands.json and rust-project.json from `nx sync`, used by clang and rust-analyzer, and kept current. */
describe('IDE files (nx sync, ide-sync generator)', () => {
  let ws: string;
  let env: Record<string, string>;
  const readEntries = (): CompileCommand[] => JSON.parse(readFileSync(join(ws, 'compile_commands.json'), 'utf8'));
  const readRustProject = (): RustProject => JSON.parse(readFileSync(join(ws, 'rust-project.json'), 'utf8'));
  /** Workspace-relative paths of the files under these folders of the copy. */
  const filesUnder = (...dirs: string[]): string[] =>
    dirs.flatMap((d) => readdirSync(join(ws, d), { recursive: true, encoding: 'utf8' }).map((f) => `${d}/${f}`)).filter((f) => statSync(join(ws, f)).isFile());

  beforeAll(async () => {
    ws = await copyWorkspace('local-lto-ide-');
    env = isolatedNxEnv();
    // bitset-user (Cargo-based) also uses a workspace crate of another project by path.
    await addPathDependencyCrate(ws);
    // Generated bindings (uring-nop) exist once bindgen ran, as a build output does for cargo.
    const bindgen = await nx(ws, ['run', 'uring-nop:bindgen', '--outputStyle=static'], env);
    if (bindgen.exitCode !== 0) throw new Error(`nx run uring-nop:bindgen failed:\n${bindgen.all}`);
  });

  it('nx sync:check fails while the files are missing, nx sync writes them, then nx sync:check passes', async () => {
    expect(existsSync(join(ws, 'compile_commands.json'))).toBe(false);
    const before = await nx(ws, ['sync:check'], env);
    expect(before.exitCode).not.toBe(0);
    expect(String(before.all)).toMatch(/nx-local-lto:ide-sync.*compile_commands\.json and rust-project\.json do not match/);
    const sync = await nx(ws, ['sync'], env);
    expect(sync.exitCode).toBe(0);
    expect(existsSync(join(ws, 'compile_commands.json'))).toBe(true);
    expect(existsSync(join(ws, 'rust-project.json'))).toBe(true);
    const after = await nx(ws, ['sync:check'], env);
    expect(after.exitCode).toBe(0);
  });

  it('every compile_commands.json entry passes clang-22 -fsyntax-only; without its -I flags one fails (control)', async () => {
    const entries = readEntries();
    // Every C file a clang-bc target builds is there: the helpers of drivers, the libraries' sources
    // and the units of bindgen's wrappers.
    const sources = filesUnder('drivers', 'libs', 'dist').filter((f) => /^(drivers\/[^/]+\/helpers\/.*|libs\/[^/]+\/src\/.*|dist\/.*\/bindings\/wrappers_inline)\.c$/.test(f));
    expect(sources.length).toBeGreaterThanOrEqual(4);
    // Besides them: the plugin's runtime C that Cargo-based drivers build (runtime-bc).
    const runtime = (f: string) => /nx-local-lto\/runtime\/c\/[^/]+\/[^/]+\.c$/.test(f);
    expect([...new Set(entries.map((e) => e.file))].filter((f) => !runtime(f)).sort()).toEqual(sources.sort());
    for (const entry of entries) {
      expect(entry.directory).toBe(ws);
      expect(entry.arguments[0]).toMatch(/clang-22$/);
      const r = await execa('clang-22', syntaxOnlyArgs(entry), { cwd: entry.directory, reject: false, all: true, stdin: 'ignore' });
      expect({ file: entry.file, exitCode: r.exitCode, output: r.all }).toEqual({ file: entry.file, exitCode: 0, output: '' });
    }
    const kuid = entries.find((e) => e.file === 'drivers/kuid/helpers/kuid_helpers.c')!;
    const noIncludes = syntaxOnlyArgs(kuid).filter((a) => !a.startsWith('-I'));
    const control = await execa('clang-22', noIncludes, { cwd: ws, reject: false, all: true, stdin: 'ignore' });
    expect(control.exitCode).not.toBe(0);
    expect(String(control.all)).toMatch(/file not found/);
  });

  it('rust-project.json lists every driver crate with paths that exist, and the sysroot', async () => {
    const project = readRustProject();
    const drivers = filesUnder('drivers')
      .filter((f) => f.endsWith('/local-lto.json') && JSON.parse(readFileSync(join(ws, f), 'utf8')).kind === 'driver')
      .map((f) => f.replace(/\/local-lto\.json$/, ''));
    expect(drivers.length).toBeGreaterThanOrEqual(2);
    for (const dir of drivers) {
      const crate = project.crates.find((c) => c.root_module === `${dir}/src/lib.rs`);
      expect(crate).toBeDefined();
      expect(existsSync(join(ws, crate!.root_module))).toBe(true);
      for (const d of crate!.source.include_dirs) expect(existsSync(join(ws, d))).toBe(true);
      for (const dep of crate!.deps) expect(project.crates[dep.crate]).toBeDefined();
    }
    expect(existsSync(project.sysroot)).toBe(true);
    if (project.sysroot_src) expect(existsSync(join(project.sysroot_src, 'core', 'src', 'lib.rs'))).toBe(true);
  });

  it('rust-project.json lists a Cargo-based driver with its crates.io, workspace and runtime crates as deps', () => {
    const project = readRustProject();
    const crate = project.crates.find((c) => c.root_module === 'drivers/bitset-user/src/lib.rs')!;
    expect(crate).toMatchObject({ display_name: 'bitset_user', is_workspace_member: true });
    const deps = Object.fromEntries(crate.deps.map((d) => [d.name, project.crates[d.crate]]));
    expect(Object.keys(deps).sort()).toEqual(['bitflags', 'bits_extra', 'local_lto_rt']);
    expect(deps.bits_extra).toMatchObject({ root_module: 'libs/bits-extra/src/lib.rs', is_workspace_member: true });
    expect(deps.local_lto_rt.root_module).toMatch(/nx-local-lto\/runtime\/rust\/src\/lib\.rs$/);
    // crates.io sources stay where cargo unpacked them (absolute, outside the workspace).
    expect(deps.bitflags).toMatchObject({ root_module: expect.stringMatching(/^\/.*\/bitflags-[\d.]+\/src\/lib\.rs$/), is_workspace_member: false });
    for (const c of Object.values(deps)) expect(existsSync(resolve(ws, c.root_module))).toBe(true);
  });

  it('rust-analyzer resolves a Cargo-based driver\'s crates: no error, and type errors through bitflags and bits_extra types (control)', async () => {
    const ra = await findRustAnalyzer();
    if (!ra) throw new Error('no working rust-analyzer: run scripts/setup.sh (Debian package rust-web-analyzer), or set RUST_ANALYZER');
    const dir = join(ws, 'drivers/bitset-user');
    const clean = await execa(ra, ['diagnostics', dir], { cwd: ws, reject: false, all: true, stdin: 'ignore' });
    expect({ exitCode: clean.exitCode, errors: String(clean.all).match(/: Error .*/g) }).toEqual({ exitCode: 0, errors: null });
    const lib = join(dir, 'src/lib.rs');
    const original = readFileSync(lib, 'utf8');
    // A mismatch is only reported when the type resolves: an unresolved crate gives {unknown}, no E0308.
    writeFileSync(lib, `${original}\npub fn ide_control() -> (u32, u32) { (bitflags::parser::ParseError::empty_flag(), bits_extra::Marker) }\n`);
    try {
      const broken = await execa(ra, ['diagnostics', dir], { cwd: ws, reject: false, all: true, stdin: 'ignore' });
      expect(broken.exitCode).not.toBe(0);
      expect(String(broken.all)).toMatch(/E0308.*expected u32, found ParseError/);
      expect(String(broken.all)).toMatch(/E0308.*expected u32, found Marker/);
    } finally {
      writeFileSync(lib, original);
    }
  });

  it('rust-analyzer diagnostics finds no error in a driver, and finds one put there (control)', async () => {
    const ra = await findRustAnalyzer();
    if (!ra) throw new Error('no working rust-analyzer: run scripts/setup.sh (Debian package rust-web-analyzer), or set RUST_ANALYZER');
    expect(readRustProject().sysroot_src).toBeDefined(); // without the library source rust-analyzer cannot resolve core
    const clean = await execa(ra, ['diagnostics', join(ws, 'drivers/kuid')], { cwd: ws, reject: false, all: true, stdin: 'ignore' });
    expect({ exitCode: clean.exitCode, errors: String(clean.all).match(/: Error .*/g) }).toEqual({ exitCode: 0, errors: null });

    const lib = join(ws, 'drivers/kuid/src/lib.rs');
    const original = readFileSync(lib, 'utf8');
    writeFileSync(lib, `${original}\npub fn ide_control() -> u32 { let x: u32 = core::ptr::null::<u8>(); x }\n`);
    try {
      const broken = await execa(ra, ['diagnostics', join(ws, 'drivers/kuid')], { cwd: ws, reject: false, all: true, stdin: 'ignore' });
      expect(broken.exitCode).not.toBe(0);
      expect(String(broken.all)).toMatch(/crate kuid, file .*drivers\/kuid\/src\/lib\.rs: Error RustcHardError\("E0308"\).*expected u32, found \*const u8/);
    } finally {
      writeFileSync(lib, original);
    }
  });

  it('nx g nx-local-lto:driver leaves the files current; a manifest edit makes nx sync:check fail until nx sync', async () => {
    const gen = await nx(ws, ['g', 'nx-local-lto:driver', 'probe', '--helpers=a', '--no-interactive'], env);
    expect(gen.exitCode).toBe(0);
    expect((await nx(ws, ['sync:check'], env)).exitCode).toBe(0);
    const probe = readEntries().find((e) => e.file === 'drivers/probe/helpers/probe_helpers.c');
    expect(probe).toBeDefined();
    expect((await execa('clang-22', syntaxOnlyArgs(probe!), { cwd: ws, reject: false })).exitCode).toBe(0);
    expect(readRustProject().crates.map((c) => c.root_module)).toContain('drivers/probe/src/lib.rs');

    const manifestFile = join(ws, 'drivers/probe/local-lto.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, defines: ['PROBE_IDE=1'] }, null, 2));
    const stale = await nx(ws, ['sync:check'], env);
    expect(stale.exitCode).not.toBe(0);
    expect(String(stale.all)).toMatch(/compile_commands\.json does not match/);
    expect((await nx(ws, ['sync'], env)).exitCode).toBe(0);
    expect((await nx(ws, ['sync:check'], env)).exitCode).toBe(0);
    expect(readEntries().find((e) => e.file === 'drivers/probe/helpers/probe_helpers.c')!.arguments).toContain('-DPROBE_IDE=1');
  });
});
