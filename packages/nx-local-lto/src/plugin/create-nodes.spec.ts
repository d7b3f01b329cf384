import { CreateDependenciesContext, CreateNodesContextV2, DependencyType, logger, ProjectConfiguration } from '@nx/devkit';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createDependencies } from './create-dependencies';
import { createNodesV2 } from './create-nodes';

/** Inference on manifests in a temp folder: driver -> rust-crate -> c-library, and a broken manifest. */
describe('createNodesV2 and createDependencies', () => {
  const root = mkdtempSync(join(tmpdir(), 'local-lto-nodes-'));
  const write = (file: string, value: unknown) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), typeof value === 'string' ? value : JSON.stringify(value));
  };
  write('libs/chelp/local-lto.json', { kind: 'c-library', profiles: ['user', 'kernel'], sources: ['src/h.c'], includeDirs: ['include'] });
  write('libs/kern/local-lto.json', { kind: 'rust-crate', libs: ['chelp'] });
  write('drivers/d1/local-lto.json', { kind: 'driver', sources: ['helpers/d1.c'], includeDirs: ['include'], libs: ['kern'], test: { sources: ['test/t.c'] } });
  write('drivers/broken/local-lto.json', '{ not json');
  write('libs/cb/local-lto.json', { kind: 'c-library', bindings: { headers: ['<cb.h>'], includeDirs: ['include'], defines: ['CB=1'] } });
  write('drivers/d2/local-lto.json', { kind: 'driver', libs: ['cb'], bindings: { headers: ['liburing.h'], functions: ['io_uring_get_sqe'] } });
  const files = ['libs/chelp/local-lto.json', 'libs/kern/local-lto.json', 'drivers/d1/local-lto.json', 'drivers/broken/local-lto.json', 'libs/cb/local-lto.json', 'drivers/d2/local-lto.json'];
  const context = { workspaceRoot: root, nxJsonConfiguration: {} } as CreateNodesContextV2;
  let projects: Record<string, ProjectConfiguration> = {};

  beforeAll(async () => {
    // The executor shape: what each target's options say (the command shape is checked below).
    const results = await createNodesV2[1](files, { inferredTargets: 'executors' }, context);
    for (const [, result] of results) Object.assign(projects, result.projects);
  });

  describe('the command shape (default)', () => {
    let commands: Record<string, ProjectConfiguration> = {};
    beforeAll(async () => {
      commands = {};
      for (const [, result] of await createNodesV2[1](files, undefined, context)) Object.assign(commands, result.projects);
    });

    it('runs rustc, clang and the link as nx:run-commands with the executors\' options; bindings, kernel and test targets stay executors', () => {
      const t = commands['drivers/d1'].targets!;
      for (const name of ['rust-bc', 'clang-bc', 'build']) {
        expect(t[name]).toMatchObject({ executor: 'nx:run-commands', cache: true, outputs: projects['drivers/d1'].targets![name].outputs });
        expect(t[name].dependsOn).toEqual(projects['drivers/d1'].targets![name].dependsOn);
        expect(t[name].metadata).toMatchObject({ executor: projects['drivers/d1'].targets![name].executor });
      }
      expect(t['rust-bc'].options.command).toMatch(/ "\$\{LOCAL_LTO_RUSTC:-\/\S*rustc\}" \$RUSTFLAGS .*--crate-name=d1 .*--extern kern=dist\/libs\/kern\/rust\/libkern\.rmeta .*drivers\/d1\/src\/lib\.rs/);
      expect(t['clang-bc'].options.command).toMatch(/clang-\d+\}" --target=\S+ -flto=thin .*-Idrivers\/d1\/include -Ilibs\/chelp\/include .*-c drivers\/d1\/helpers\/d1\.c -o dist\/drivers\/d1\/c\/helpers\/d1\.bc/);
      // The plugin as this temp workspace (no node_modules) reaches it: bin/run-step.js runs the lld-relocatable executor.
      // The options validated (schema defaults applied) at inference: run-step.js --validated does not load ajv again.
      expect(t.build.options.command).toMatch(/ node \S*nx-local-lto\/bin\/run-step\.js --validated lld-relocatable d1:build drivers\/d1 '([^']*)'$/);
      expect(JSON.parse(/'([^']*)'$/.exec(t.build.options.command)![1])).toEqual({ ...projects['drivers/d1'].targets!.build.options, ltoOptLevel: '2', inlinePolicy: 'error', runtimeSymbols: 'error', internalize: true, profile: 'user', kernelPolicy: 'error', flags: [], mode: 'lto', objects: [], verbose: false });
      expect(t.test.executor).toBe('nx-local-lto:host-test');
      expect(commands['drivers/d2'].targets!['rust-bc'].executor).toBe('nx-local-lto:rust-bc');
      expect(commands['libs/chelp'].targets!['clang-bc-kernel'].executor).toBe('nx-local-lto:clang-bc');
      expect(commands['libs/chelp'].targets!['clang-bc-user'].executor).toBe('nx:run-commands');
      expect(commands['libs/kern'].targets!.build.options.command).toContain('metadata=dist/libs/kern/rust/libkern.rmeta');
    });

    it('keys on the tools by their own version output, with no Node start, and names no path of this checkout', () => {
      const t = commands['drivers/d1'].targets!;
      // The variable that overrides a tool is read when the command runs: setting it changes no target's text.
      expect(t.build.inputs).toEqual(expect.arrayContaining([{ runtime: expect.stringMatching(/^sh '\S+\/bin\/tool-id\.sh' "\$\{LOCAL_LTO_RUSTC:-\/\S*rustc\}" "\$\{LOCAL_LTO_LLVM_LINK:-\/\S*llvm-link-\d+\}" "\$\{LOCAL_LTO_LD:-\/\S*\}" "\$\{LOCAL_LTO_OBJCOPY:-\/\S*\}"$/) }]));
      expect(t['clang-bc'].options.command).toContain('"${LOCAL_LTO_CLANG:-/');
      for (const name of ['rust-bc', 'clang-bc', 'build']) {
        expect(JSON.stringify(t[name].inputs)).not.toContain('toolchain-id.js');
        expect(t[name].options.command).not.toContain(root);
      }
      expect(t['rust-bc'].options.command).toContain('--remap-path-prefix="$PWD"=.');
    });

    it('leaves a target that project.json declares in the executor shape, which takes the options it sets', async () => {
      write('drivers/p1/local-lto.json', { kind: 'driver', sources: ['helpers/p1.c'] });
      write('drivers/p1/project.json', { targets: { 'clang-bc': { options: { defines: ['X=1'] } } } });
      const [[, result]] = await createNodesV2[1](['drivers/p1/local-lto.json'], undefined, context);
      const t = result.projects!['drivers/p1'].targets!;
      expect(t['clang-bc'].executor).toBe('nx-local-lto:clang-bc');
      expect(t['rust-bc'].executor).toBe('nx:run-commands');
    });
  });

  it('infers one project per readable manifest and skips the broken one', () => {
    expect(Object.keys(projects).sort()).toEqual(['drivers/d1', 'drivers/d2', 'libs/cb', 'libs/chelp', 'libs/kern']);
    expect(createNodesV2[0]).toBe('**/local-lto.json');
  });

  it('gives a driver rust-bc, clang-bc, build, test and doctor with inputs, outputs and dependsOn', () => {
    const t = projects['drivers/d1'].targets!;
    expect(Object.keys(t).sort()).toEqual(['build', 'clang-bc', 'doctor', 'rust-bc', 'test']);
    expect(t.build.dependsOn).toEqual(['rust-bc', 'clang-bc', '^build']);
    expect(t.build.outputs).toEqual(['{workspaceRoot}/dist/drivers/d1/d1.o', '{workspaceRoot}/dist/drivers/d1/inline-report.json']);
    expect(t.build.options.bitcode).toEqual(['dist/drivers/d1/c/helpers/d1.bc', 'dist/libs/chelp/c/user/src/h.bc', 'dist/libs/kern/rust/kern.bc']);
    expect(t['rust-bc'].options.externs).toEqual({ kern: 'dist/libs/kern/rust/libkern.rmeta' });
    // Keyed on what makes the crate's .rmeta, never on dependency outputs (see targets.ts).
    expect(t['rust-bc'].inputs).toEqual(expect.arrayContaining(['{workspaceRoot}/libs/kern/**/*.rs', '{workspaceRoot}/libs/kern/local-lto.json', '{workspaceRoot}/libs/kern/project.json']));
    expect(t['rust-bc'].inputs).not.toEqual(expect.arrayContaining([expect.objectContaining({ dependentTasksOutputFiles: expect.anything() })]));
    expect(t['clang-bc'].options.includeDirs).toEqual(['drivers/d1/include', 'libs/chelp/include']);
    expect(t['clang-bc'].inputs).toEqual(expect.arrayContaining(['{projectRoot}/helpers/d1.c', '{workspaceRoot}/libs/chelp/**/*.h', { externalDependencies: [] }]));
    for (const name of ['rust-bc', 'clang-bc', 'build']) {
      expect(t[name].cache).toBe(true);
      expect(t[name].metadata?.description).toEqual(expect.any(String));
      expect(t[name].inputs).toEqual(expect.arrayContaining([expect.objectContaining({ runtime: expect.stringContaining('toolchain-id.js') })]));
    }
  });

  it('gives a project with bindings a bindgen target whose wrappers clang-bc compiles and whose Rust rust-bc includes', () => {
    const t = projects['drivers/d2'].targets!;
    expect(Object.keys(t).sort()).toEqual(['bindgen', 'build', 'clang-bc', 'doctor', 'rust-bc']);
    expect(t.bindgen).toMatchObject({ executor: 'nx-local-lto:bindgen', cache: true, options: { headers: ['liburing.h'], functions: ['io_uring_get_sqe'], outputDir: 'dist/drivers/d2/bindings' } });
    expect(t.bindgen.outputs).toEqual(['bindings.rs', 'bindings.h', 'wrappers.c', 'wrappers_inline.c'].map((f) => `{workspaceRoot}/dist/drivers/d2/bindings/${f}`));
    expect(t.bindgen.inputs).toEqual(expect.arrayContaining([expect.objectContaining({ runtime: expect.stringMatching(/toolchain-id\.js' rustc bindgen$/) })]));
    expect(t['clang-bc']).toMatchObject({ dependsOn: ['bindgen'], options: { sources: ['dist/drivers/d2/bindings/wrappers_inline.c'] } });
    expect(t['rust-bc'].dependsOn).toEqual(['bindgen', '^build']);
    expect(t['rust-bc'].options.bindings).toEqual({ LOCAL_LTO_BINDINGS: 'dist/drivers/d2/bindings/bindings.rs', LOCAL_LTO_BINDINGS_CB: 'dist/libs/cb/bindings/bindings.rs' });
    expect(t.build.options.requireInlined).toEqual(['rust_helper_*', '*__extern']);
    expect(t.build.options.bitcode).toEqual(['dist/drivers/d2/c/bindings/wrappers_inline.bc', 'dist/libs/cb/c/user/bindings/wrappers_inline.bc']);
    const lib = projects['libs/cb'].targets!;
    expect(lib.bindgen.options).toMatchObject({ headers: ['cb.h'], includeDirs: ['libs/cb/include'], defines: ['CB=1'] });
    expect(lib['clang-bc-user'].options).toMatchObject({ sources: ['dist/libs/cb/bindings/wrappers_inline.c'], includeDirs: ['libs/cb/include'], defines: ['CB=1'] });
  });

  it('gives a c-library one clang-bc per profile and a build that depends on them', () => {
    const t = projects['libs/chelp'].targets!;
    expect(t.build).toMatchObject({ executor: 'nx:noop', dependsOn: ['clang-bc-user', 'clang-bc-kernel'] });
    expect(t['clang-bc-kernel'].options).toMatchObject({ profile: 'kernel', outputDir: 'dist/libs/chelp/c/kernel' });
  });

  it('gives a rust-crate a build that writes bitcode and .rmeta', () => {
    const t = projects['libs/kern'].targets!;
    expect(t.build.options).toMatchObject({ emitMetadata: true, crateName: 'kern' });
    expect(t.build.outputs).toContain('{workspaceRoot}/dist/libs/kern/rust/libkern.rmeta');
  });

  it('creates the static edges driver -> rust-crate -> c-library from the manifests', async () => {
    const byName = Object.fromEntries(Object.entries(projects).map(([projectRoot, p]) => [p.name!, { ...p, root: projectRoot }]));
    const deps = await createDependencies(undefined, { workspaceRoot: root, projects: byName } as unknown as CreateDependenciesContext);
    expect(deps).toEqual([
      { source: 'kern', target: 'chelp', type: DependencyType.static, sourceFile: 'libs/kern/local-lto.json' },
      { source: 'd1', target: 'kern', type: DependencyType.static, sourceFile: 'drivers/d1/local-lto.json' },
      { source: 'd2', target: 'cb', type: DependencyType.static, sourceFile: 'drivers/d2/local-lto.json' },
    ]);
  });
});

/** A driver with a Cargo.toml beside its manifest builds its Rust side through cargo. */
describe('createNodesV2 for a Cargo-based driver', () => {
  const root = mkdtempSync(join(tmpdir(), 'local-lto-nodes-cargo-'));
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  write('drivers/c1/local-lto.json', JSON.stringify({ kind: 'driver', sources: ['helpers/h.c'] }));
  write('drivers/c1/Cargo.toml', '[package]\nname = "c1"\nversion = "0.1.0"\n[dependencies]\nbits = { path = "../../libs/bits" }\nloose = { path = "../../crates/loose" }\nvendored = { path = "../../node_modules/vendored" }\n');
  // libs/bits is an Nx project (project.json); crates/loose is in none, and reaches libs/deep, which is one.
  write('libs/bits/Cargo.toml', '[package]\nname = "bits"\nversion = "0.1.0"\n');
  write('libs/bits/project.json', '{ "name": "bits" }');
  write('crates/loose/Cargo.toml', '[package]\nname = "loose"\nversion = "0.1.0"\n[dependencies]\ndeep = { path = "../../libs/deep" }\n');
  write('libs/deep/Cargo.toml', '[package]\nname = "deep"\nversion = "0.1.0"\n');
  write('drivers/r1/local-lto.json', JSON.stringify({ kind: 'driver' }));
  write('drivers/s1/local-lto.json', JSON.stringify({ kind: 'driver', selfContained: true }));
  write('Cargo.toml', '[workspace]\nmembers = ["drivers/c1"]\n');
  write('Cargo.lock', 'version = 4\n');
  let t: Record<string, { executor?: string; options?: Record<string, unknown>; inputs?: unknown[]; dependsOn?: unknown[] }> = {};
  let plain: typeof t = {};
  let selfContained: typeof t = {};

  beforeAll(async () => {
    const results = await createNodesV2[1](['drivers/c1/local-lto.json', 'drivers/r1/local-lto.json', 'drivers/s1/local-lto.json'], { inferredTargets: 'executors' }, { workspaceRoot: root, nxJsonConfiguration: {} } as CreateNodesContextV2);
    const projects: Record<string, ProjectConfiguration> = {};
    for (const [, result] of results) Object.assign(projects, result.projects);
    t = projects['drivers/c1'].targets as typeof t;
    plain = projects['drivers/r1'].targets as typeof t;
    selfContained = projects['drivers/s1'].targets as typeof t;
  });

  it('runs cargo-bc as rust-bc, keyed on the root Cargo.lock and Cargo.toml, and the runtime as runtime-bc', () => {
    expect(t['rust-bc'].executor).toBe('nx-local-lto:cargo-bc');
    expect(t['rust-bc'].options).toEqual(expect.objectContaining({ manifestPath: 'drivers/c1/Cargo.toml', lockFile: 'Cargo.lock', outputPath: 'dist/drivers/c1/rust/c1.bc' }));
    expect(t['rust-bc'].inputs).toEqual(expect.arrayContaining(['{workspaceRoot}/Cargo.lock', '{workspaceRoot}/Cargo.toml', '{projectRoot}/Cargo.toml', '{projectRoot}/**/*.rs']));
    expect(t['runtime-bc'].executor).toBe('nx-local-lto:clang-bc');
    expect(t['runtime-bc'].options).toEqual(expect.objectContaining({ ltoMode: 'full', profile: 'user', outputDir: 'dist/drivers/c1/runtime' }));
    expect((t['runtime-bc'].options!.sources as string[]).map((s) => s.replace(/.*\/runtime\//, 'runtime/'))).toEqual(['runtime/c/user/local_lto_rt.c']);
    expect(t['clang-bc'].options!.ltoMode).toBe('full');
  });

  it('keys rust-bc on every crate its path dependencies reach: workspace globs, by content under node_modules', () => {
    const inputs = t['rust-bc'].inputs!;
    expect(inputs).toEqual(expect.arrayContaining(['{workspaceRoot}/libs/bits/**/*', '{workspaceRoot}/crates/loose/**/*', '{workspaceRoot}/libs/deep/**/*']));
    expect(inputs).toEqual(expect.arrayContaining([{ runtime: expect.stringMatching(/^\(cd node_modules\/vendored && find /) }]));
    // Control: nothing under node_modules as a glob (Nx would hash no file: never a miss).
    expect(inputs.filter((i) => typeof i === 'string' && i.includes('node_modules'))).toEqual([]);
  });

  it('creates edges along Cargo path dependencies to the projects holding the crates, with the Cargo.toml as source file', async () => {
    const projects = {
      c1: { name: 'c1', root: 'drivers/c1' },
      r1: { name: 'r1', root: 'drivers/r1' },
      bits: { name: 'bits', root: 'libs/bits' },
      deep: { name: 'deep', root: 'libs/deep' },
      ws: { name: 'ws', root: '.' },
    };
    const deps = await createDependencies(undefined, { workspaceRoot: root, projects } as unknown as CreateDependenciesContext);
    expect(deps).toEqual([
      { source: 'c1', target: 'bits', type: DependencyType.static, sourceFile: 'drivers/c1/Cargo.toml' },
      // crates/loose is in no project (only the root one): its edge starts at the driver that reaches it.
      { source: 'c1', target: 'deep', type: DependencyType.static, sourceFile: 'drivers/c1/Cargo.toml' },
    ]);
  });

  it('links the runtime bitcode and requires its functions inlined', () => {
    expect(t.build.dependsOn).toEqual(['rust-bc', 'clang-bc', 'runtime-bc', '^build']);
    expect(t.build.options!.bitcode).toEqual(['dist/drivers/c1/c/helpers/h.bc', 'dist/drivers/c1/runtime/local_lto_rt.bc']);
    expect(t.build.options!.requireInlined).toEqual(['rust_helper_*', 'local_lto_rt_*']);
  });

  it('builds a rustc-route driver with selfContained as a staticlib with the runtime crate, plus runtime-bc', () => {
    expect(selfContained['rust-bc'].executor).toBe('nx-local-lto:rust-bc');
    expect(selfContained['rust-bc'].options).toEqual(expect.objectContaining({ selfContained: true, runtimeCrateRoot: expect.stringMatching(/nx-local-lto\/runtime\/rust\/src\/lib\.rs$/) }));
    // The plugin is outside this workspace: its runtime crate is keyed by content (Nx hashes no file there).
    expect(selfContained['rust-bc'].inputs).toEqual(expect.arrayContaining([{ runtime: expect.stringMatching(/^\(cd \S*nx-local-lto\/runtime\/rust && find \. /) }]));
    expect(selfContained['runtime-bc']).toBeDefined();
    expect(selfContained.build.options!.requireInlined).toEqual(['rust_helper_*', 'local_lto_rt_*']);
  });

  it('a Cargo.toml that does not parse: one warning line naming it, no project until fixed', async () => {
    write('drivers/bad/local-lto.json', JSON.stringify({ kind: 'driver' }));
    write('drivers/bad/Cargo.toml', '[package]\nname = "bad"\n[dependencies\nx = { path = "../x" }\n');
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    try {
      const results = await createNodesV2[1](['drivers/bad/local-lto.json'], undefined, { workspaceRoot: root, nxJsonConfiguration: {} } as CreateNodesContextV2);
      expect(results).toEqual([]);
      expect(warn.mock.calls).toEqual([[expect.stringMatching(/^nx-local-lto: drivers\/bad\/Cargo\.toml: [^\n]*fix the TOML[^\n]*\(no project is inferred from drivers\/bad until fixed\)$/)]]);
    } finally {
      warn.mockRestore();
    }
  });

  it('leaves a driver without Cargo.toml on the rustc route (control)', () => {
    expect(plain['rust-bc'].executor).toBe('nx-local-lto:rust-bc');
    expect(plain['runtime-bc']).toBeUndefined();
    expect(plain['rust-bc'].options!.selfContained).toBeUndefined();
    expect(plain.build.options!.requireInlined).toEqual(['rust_helper_*']);
  });
});
