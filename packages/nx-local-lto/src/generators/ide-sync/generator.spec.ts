import { logger, readJson, Tree, writeJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompileCommand } from '../../ide/compile-commands';
import { cfgsOfRustFlags, findSysrootSource, RustProject } from '../../ide/rust-project';
import { resolveLlvmTool, resolveRustc } from '../../toolchain/discover';
import { driverGenerator } from '../driver/generator';
import { COMPILE_COMMANDS_FILE, ideSyncGenerator, RUST_PROJECT_FILE } from './generator';

/** Every pending change of the tree, content included. */
const changes = (tree: Tree) => tree.listChanges().map((c) => ({ path: c.path, type: c.type, content: c.content?.toString() }));

/** A workspace with a c-library, a rust-crate using it and two drivers (one using both libraries). */
function workspace(tree: Tree): void {
  writeJson(tree, 'libs/chelp/local-lto.json', { kind: 'c-library', sources: ['src/a.c', 'src/sub/b.c'], includeDirs: ['include'] });
  writeJson(tree, 'libs/rsupport/local-lto.json', { kind: 'rust-crate', libs: ['chelp'], edition: '2018', cfg: ['support'] });
  writeJson(tree, 'drivers/alpha/local-lto.json', {
    kind: 'driver',
    sources: ['helpers/alpha_helpers.c'],
    includeDirs: ['include'],
    libs: ['rsupport'],
    defines: ['ALPHA=1'],
    cflags: ['-Wall'],
    cfg: ['feature="fast"'],
    rustflags: ['--cfg', 'from_flags', '--cfg=also', '-Cdebuginfo=1'],
  });
  writeJson(tree, 'drivers/beta-two/local-lto.json', { kind: 'driver', sources: ['helpers/b.c'], includeDirs: ['include'] });
  writeJson(tree, 'drivers/rustonly/local-lto.json', { kind: 'driver' });
}

describe('nx-local-lto:ide-sync', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    workspace(tree);
  });

  describe('compile_commands.json', () => {
    let entries: CompileCommand[];
    let clang: string;
    let host: string;
    beforeEach(async () => {
      await ideSyncGenerator(tree);
      entries = readJson(tree, COMPILE_COMMANDS_FILE);
      const rustc = await resolveRustc({});
      host = rustc.host;
      clang = (await resolveLlvmTool('clang', rustc, {})).path;
    });

    it('has one entry per C file a clang-bc target compiles, in project order, run from the workspace root', () => {
      expect(entries.map((e) => e.file)).toEqual([
        'drivers/alpha/helpers/alpha_helpers.c',
        'drivers/beta-two/helpers/b.c',
        'libs/chelp/src/a.c',
        'libs/chelp/src/sub/b.c',
      ]);
      for (const e of entries) expect(e.directory).toBe(tree.root);
    });

    it('gives the build\'s command line: discovered clang, rustc\'s triple, LTO mode, profile, includes, defines, user cflags, real outputs', () => {
      const alpha = entries[0];
      expect(alpha.output).toBe('dist/drivers/alpha/c/helpers/alpha_helpers.bc');
      expect(alpha.arguments).toEqual([
        clang,
        `--target=${host}`,
        '-flto=thin',
        '-O2',
        '-fPIC',
        '-Idrivers/alpha/include',
        '-Ilibs/chelp/include',
        '-DALPHA=1',
        `-ffile-prefix-map=${tree.root}=.`,
        '-Wall',
        '-MD', '-MF', 'dist/drivers/alpha/c/helpers/alpha_helpers.d', '-MT', 'dist/drivers/alpha/c/helpers/alpha_helpers.bc',
        '-c', 'drivers/alpha/helpers/alpha_helpers.c',
        '-o', 'dist/drivers/alpha/c/helpers/alpha_helpers.bc',
      ]);
      const libB = entries[3];
      expect(libB.arguments).toContain('-Ilibs/chelp/include');
      expect(libB.arguments.slice(-4)).toEqual(['-c', 'libs/chelp/src/sub/b.c', '-o', libB.output]);
      expect(libB.output).toMatch(/^dist\/libs\/chelp\/c\/(user\/)?src\/sub\/b\.bc$/);
    });

    it('follows the clang-bc options of a project.json beside the manifest (Nx merges them over the inferred ones)', async () => {
      writeJson(tree, 'drivers/beta-two/project.json', {
        name: 'beta-two',
        targets: { 'clang-bc': { options: { cflags: ['-Wextra'], optLevel: '3', ltoMode: 'full', target: 'x86_64-unknown-none' } } },
      });
      await ideSyncGenerator(tree);
      const beta = readJson<CompileCommand[]>(tree, COMPILE_COMMANDS_FILE).find((e) => e.file === 'drivers/beta-two/helpers/b.c')!;
      expect(beta.arguments).toEqual(expect.arrayContaining(['-Wextra', '-O3', '-flto=full', '--target=x86_64-unknown-none', '-Idrivers/beta-two/include']));
      expect(beta.arguments).not.toContain('-O2');
    });
  });

  describe('rust-project.json', () => {
    let project: RustProject;
    beforeEach(async () => {
      await ideSyncGenerator(tree);
      project = readJson(tree, RUST_PROJECT_FILE);
    });

    it('lists every driver and rust-crate crate with its root, edition, cfgs and folder', () => {
      expect(project.crates.map((c) => [c.display_name, c.root_module, c.edition])).toEqual([
        ['alpha', 'drivers/alpha/src/lib.rs', '2021'],
        ['beta_two', 'drivers/beta-two/src/lib.rs', '2021'],
        ['rustonly', 'drivers/rustonly/src/lib.rs', '2021'],
        ['rsupport', 'libs/rsupport/src/lib.rs', '2018'],
      ]);
      const alpha = project.crates[0];
      expect(alpha.cfg).toEqual(['feature="fast"', 'from_flags', 'also']);
      expect(alpha.is_workspace_member).toBe(true);
      expect(alpha.source).toEqual({ include_dirs: ['drivers/alpha'], exclude_dirs: [] });
      expect(project.crates[3].cfg).toEqual(['support']);
    });

    it('makes a crate depend on the rust-crate libraries it uses (--extern), by index', () => {
      expect(project.crates[0].deps).toEqual([{ crate: 3, name: 'rsupport' }]);
      expect(project.crates[1].deps).toEqual([]);
      expect(project.crates[3].deps).toEqual([]);
    });

    it("names rustc's sysroot and, when one is found, the library source", async () => {
      const rustc = await resolveRustc({});
      expect(project.sysroot).toBe(rustc.sysroot);
      expect(project.sysroot_src).toBe(findSysrootSource(rustc));
    });
  });

  it('says the files are out of sync when it wrote them, and nothing on a second run', async () => {
    const first = await ideSyncGenerator(tree);
    expect(first.outOfSyncMessage).toMatch(/^compile_commands\.json and rust-project\.json do not match the local-lto\.json projects/);
    expect(first.outOfSyncDetails).toHaveLength(2);
    const after = changes(tree);
    expect(await ideSyncGenerator(tree)).toEqual({});
    expect(changes(tree)).toEqual(after);
  });

  it('reports only the file a manifest edit makes stale', async () => {
    await ideSyncGenerator(tree);
    const manifest = readJson(tree, 'drivers/beta-two/local-lto.json');
    writeJson(tree, 'drivers/beta-two/local-lto.json', { ...manifest, sources: [...manifest.sources, 'helpers/c.c'] });
    const result = await ideSyncGenerator(tree);
    expect(result.outOfSyncMessage).toMatch(/^compile_commands\.json does not match/);
    expect(readJson<CompileCommand[]>(tree, COMPILE_COMMANDS_FILE).map((e) => e.file)).toContain('drivers/beta-two/helpers/c.c');
  });

  it('writes empty lists in a workspace without local-lto projects', async () => {
    const empty = createTreeWithEmptyWorkspace();
    await ideSyncGenerator(empty);
    expect(readJson(empty, COMPILE_COMMANDS_FILE)).toEqual([]);
    expect(readJson(empty, RUST_PROJECT_FILE).crates).toEqual([]);
  });

  it('fails with one line when the toolchain is missing, writing nothing', async () => {
    const saved = process.env.LOCAL_LTO_CLANG;
    process.env.LOCAL_LTO_CLANG = '/nonexistent/clang';
    try {
      const before = changes(tree);
      await expect(ideSyncGenerator(tree)).rejects.toThrow(/\$LOCAL_LTO_CLANG names '\/nonexistent\/clang', which does not run/);
      expect(changes(tree)).toEqual(before);
    } finally {
      if (saved === undefined) delete process.env.LOCAL_LTO_CLANG;
      else process.env.LOCAL_LTO_CLANG = saved;
    }
  });

  it('rejects options (it takes none)', async () => {
    await expect(ideSyncGenerator(tree, { x: 1 } as never)).rejects.toThrow(/^unknown option 'x'/);
  });

  describe('the driver generator', () => {
    it('leaves both files current: the new driver is listed and a sync changes nothing', async () => {
      await driverGenerator(tree, { name: 'probe', helpers: 'a', skipFormat: true });
      expect(readJson<CompileCommand[]>(tree, COMPILE_COMMANDS_FILE).map((e) => e.file)).toContain('drivers/probe/helpers/probe_helpers.c');
      expect(readJson<RustProject>(tree, RUST_PROJECT_FILE).crates.map((c) => c.root_module)).toContain('drivers/probe/src/lib.rs');
      expect(await ideSyncGenerator(tree)).toEqual({});
    });

    it('still writes the driver when the toolchain is missing, with a warning naming nx sync', async () => {
      const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
      const saved = process.env.LOCAL_LTO_CLANG;
      process.env.LOCAL_LTO_CLANG = '/nonexistent/clang';
      try {
        await driverGenerator(tree, { name: 'probe', skipFormat: true });
        expect(tree.exists('drivers/probe/local-lto.json')).toBe(true);
        expect(tree.exists(COMPILE_COMMANDS_FILE)).toBe(false);
        expect(warn).toHaveBeenCalledWith(expect.stringMatching(/compile_commands\.json and rust-project\.json were not updated .*run 'nx sync'/));
      } finally {
        if (saved === undefined) delete process.env.LOCAL_LTO_CLANG;
        else process.env.LOCAL_LTO_CLANG = saved;
        warn.mockRestore();
      }
    });
  });
});

describe('cfgsOfRustFlags', () => {
  it('takes --cfg X and --cfg=X and nothing else', () => {
    expect(cfgsOfRustFlags(['--cfg', 'a', '-Cdebuginfo=1', '--cfg=feature="b"', '--cfg'])).toEqual(['a', 'feature="b"']);
  });
});

describe('findSysrootSource', () => {
  const library = (dir: string) => {
    mkdirSync(join(dir, 'core', 'src'), { recursive: true });
    writeFileSync(join(dir, 'core', 'src', 'lib.rs'), '');
    return dir;
  };
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'local-lto-sysroot-'));
  });

  it("prefers the sysroot's rust-src component, then $RUST_SRC_PATH, then Debian's (rustc's release, else the newest)", () => {
    const sysroot = join(base, 'sysroot');
    const usrSrc = join(base, 'usr-src');
    const rustc = { sysroot, release: '1.95.0' };
    expect(findSysrootSource(rustc, {}, usrSrc)).toBeUndefined();
    library(join(usrSrc, 'rustc-1.9.0', 'library'));
    library(join(usrSrc, 'rustc-1.96.0', 'library'));
    mkdirSync(join(usrSrc, 'rustc-1.97.0', 'library'), { recursive: true }); // no core: not a library
    expect(findSysrootSource(rustc, {}, usrSrc)).toBe(join(usrSrc, 'rustc-1.96.0', 'library'));
    library(join(usrSrc, 'rustc-1.95.0', 'library'));
    expect(findSysrootSource(rustc, {}, usrSrc)).toBe(join(usrSrc, 'rustc-1.95.0', 'library'));
    const fromEnv = library(join(base, 'env-src'));
    expect(findSysrootSource(rustc, { RUST_SRC_PATH: fromEnv }, usrSrc)).toBe(fromEnv);
    const component = library(join(sysroot, 'lib', 'rustlib', 'src', 'rust', 'library'));
    expect(findSysrootSource(rustc, { RUST_SRC_PATH: fromEnv }, usrSrc)).toBe(component);
  });
});
