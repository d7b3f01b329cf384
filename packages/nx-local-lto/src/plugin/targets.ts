import { logger, TargetConfiguration } from '@nx/devkit';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { cBitcodePath, defaultCBitcodeDir } from '../executors/clang-bc/output-paths';
import { defaultRustBitcodePath } from '../executors/rust-bc/output-paths';
import { FALLBACK_ENV, nativeObjectPath } from '../toolchain/native-fallback';
import { bindingsPaths, defaultBindingsDir } from '../executors/bindgen/output-paths';
import { BINDINGS_ENV } from '../pipeline/bindgen-commands';
import { Profile } from '../toolchain/profiles';
import { RUNTIME_REQUIRE_INLINED } from './cargo';
import { Manifest, MANIFEST_FILE } from './manifest';
import { toolIdentityInput } from './tool-identity';
import { fileContentsInput, folderInput, headerFilesInput, linkedLibrariesInput, preprocessedInput } from './external-inputs';
import { cargoCrateInputs } from './cargo-inputs';
import { KERNEL_DIR_ENV, KernelTree } from '../kernel/tree';
import { cBitcodeStep } from '../executors/clang-bc/step';
import { ClangBcExecutorOptions } from '../executors/clang-bc/schema';
import clangBcSchema from '../executors/clang-bc/schema.json';
import { validateOptions } from '../options/validate-options';

const ws = (p: string) => `{workspaceRoot}/${p}`;

/** The tools the command targets run (src/plugin/command-targets.ts). */
export type CommandTool = 'rustc' | 'clang' | 'llvm-link' | 'ld.lld' | 'llvm-objcopy';

/** A tool for command targets: its absolute path, leading arguments (`-flavor gnu` for rust-lld) and the variable that overrides it. */
export interface CommandToolFact {
  path: string;
  prefixArgs: string[];
  env: string;
}

/**
 * What inference knows of the machine, found once per run (create-nodes.ts): the toolchain
 * for the preprocessed-header inputs and, per kernel tree named, the tree and kbuild's C flags.
 * Absent when not found: the targets then key on what they can, and the task says what is missing.
 */
export interface InferenceFacts {
  workspaceRoot: string;
  toolchain?: {
    host: string;
    clang: string;
    /** The tools a command target runs, as default discovery finds them; absent when one is missing. */
    commands?: Record<CommandTool, CommandToolFact>;
  };
  kernel(kernelDir: string | undefined): { tree: KernelTree; cflags: string[] } | undefined;
}

/** Facts for pure inference without a machine (tests of the target shape). */
export const NO_FACTS: InferenceFacts = { workspaceRoot: '.', kernel: () => undefined };

/** Inputs of a kernel-profile target: the tree named by env, and the tree's identity files. */
function kernelTreeInputs(m: Manifest, facts: InferenceFacts): TargetConfiguration['inputs'] {
  const k = facts.kernel(m.kernelDir);
  return [{ env: KERNEL_DIR_ENV }, ...(k ? [fileContentsInput(k.tree.identityFiles)] : [])];
}
const technologies = ['rust', 'c', 'llvm'];

/** Where a project's C bitcode goes: a c-library keeps one folder per profile it is built for. */
function cBitcodeDir(m: Manifest, profile: Profile): string {
  return m.kind === 'c-library' ? join(defaultCBitcodeDir(m.root), profile) : defaultCBitcodeDir(m.root);
}

/** C files a project's clang-bc compiles (workspace-relative): its sources, then the bindings' wrapper unit. */
function cSources(m: Manifest): string[] {
  return [...m.sources.map((s) => join(m.root, s)), ...(m.bindings ? [bindingsPaths(defaultBindingsDir(m.root)).unit] : [])];
}

/** Bitcode files a c-library's or driver's clang-bc writes for `profile`. */
function cBitcodeOutputs(m: Manifest, profile: Profile): string[] {
  return cSources(m).map((s) => cBitcodePath(cBitcodeDir(m, profile), m.root, s));
}

function rustOutputs(m: Manifest): { bitcode: string; depInfo: string; rmeta: string } {
  const bitcode = defaultRustBitcodePath(m.root, m.crateName);
  return { bitcode, depInfo: bitcode.replace(/\.bc$/, '.d'), rmeta: join(bitcode, '..', `lib${m.crateName}.rmeta`) };
}

function rustBcTarget(m: Manifest, libs: Manifest[], emitMetadata: boolean, facts: InferenceFacts): TargetConfiguration {
  const kernel = m.profile === 'kernel';
  const out = rustOutputs(m);
  const crates = libs.filter((l) => l.kind === 'rust-crate');
  const externs = Object.fromEntries(crates.map((l) => [l.crateName, rustOutputs(l).rmeta]));
  const bindings = rustBindings(m, libs);
  return {
    executor: 'nx-local-lto:rust-bc',
    cache: true,
    dependsOn: [...(m.bindings ? ['bindgen'] : []), '^build'],
    inputs: [
      '{projectRoot}/**/*.rs',
      `{projectRoot}/${MANIFEST_FILE}`,
      // The crates it uses by what makes their .rmeta (sources, manifest, project.json), not
      // by the .rmeta files (dependentTasksOutputFiles): with --batch, Nx 22.7 hashes a task
      // whose dependency runs in the same batch before that dependency writes its outputs,
      // and keeps that hash (its re-hash skips tasks that have one), a key on stale files.
      ...crates.flatMap((l) => [`${l.root}/**/*.rs`, `${l.root}/${MANIFEST_FILE}`, `${l.root}/project.json`].map(ws)),
      ...(m.runtime ? [folderInput(m.runtime.crate)] : []),
      { env: 'RUSTFLAGS' },
      { env: FALLBACK_ENV },
      ...(kernel ? kernelTreeInputs(m, facts)! : []),
      ...bindingsInputs(Object.keys(bindings).length > 0, '**/bindings/*.rs'),
      toolIdentityInput([...(Object.keys(bindings).length ? ['rustc', 'bindgen'] as const : ['rustc'] as const), ...kernelCoreTools(m)]),
      { externalDependencies: [] },
    ],
    // The native fallback writes <crate>.o where the bitcode would be (never both).
    outputs: [out.bitcode, nativeObjectPath(out.bitcode), out.depInfo, ...(emitMetadata ? [out.rmeta] : [])].map(ws),
    options: {
      crateRoot: join(m.root, m.crateRoot),
      crateName: m.crateName,
      edition: m.edition,
      profile: m.profile,
      cfg: m.cfg,
      externs,
      ...(Object.keys(bindings).length ? { bindings } : {}),
      rustflags: m.rustflags,
      ...(m.optLevel ? { optLevel: m.optLevel } : {}),
      outputPath: out.bitcode,
      ...(emitMetadata ? { emitMetadata: true } : {}),
      ...(m.runtime ? { selfContained: true, runtimeCrateRoot: join(m.runtime.crate, 'src', 'lib.rs') } : {}),
      ...(kernel && m.kernelDir ? { kernelDir: m.kernelDir } : {}),
    },
    metadata: {
      technologies,
      description: `Compile ${m.crateRoot} to LLVM bitcode (one codegen unit, panic=abort${kernel ? "; kernel code and hardening from the tree's .config" : ''})`,
      help: { command: `nx run ${m.name}:rust-bc --verbose`, example: { options: { rustflags: ['-Cdebuginfo=1'] } } },
    },
  };
}

// --- rust-runtime (issue 15): Cargo-based drivers ---

/** Fat-LTO (self-contained) Rust bitcode has no ThinLTO summary: the driver's C is built full-LTO to match (F1). */
const CARGO_C_OPTIONS = { ltoMode: 'full' };

/** Where a Cargo-based driver's runtime C bitcode goes. */
function runtimeOutputs(m: Manifest): string[] {
  const runtime = m.runtime?.c;
  if (!runtime) return [];
  return runtime.sources.map((s) => cBitcodePath(join('dist', m.root, 'runtime'), runtime.root, s));
}

/** `rust-bc` of a driver with a Cargo.toml: cargo with its lock file, one bitcode module with the dependencies in it. */
function cargoBcTarget(m: Manifest, cargo: NonNullable<Manifest['cargo']>, runtime: NonNullable<Manifest['runtime']>, facts: InferenceFacts): TargetConfiguration {
  const out = rustOutputs(m);
  const kernel = m.profile === 'kernel';
  return {
    executor: 'nx-local-lto:cargo-bc',
    cache: true,
    dependsOn: ['^build'],
    inputs: [
      '{projectRoot}/**/*.rs',
      `{projectRoot}/${cargo.manifest}`,
      ws(cargo.lock),
      // A Cargo workspace manifest at the root (members, shared profile and patch settings).
      ws('Cargo.toml'),
      `{projectRoot}/${MANIFEST_FILE}`,
      // The crates its path dependencies reach and the runtime crate, wherever they are.
      ...cargoCrateInputs(cargo, runtime.crate),
      { env: 'RUSTFLAGS' },
      { env: FALLBACK_ENV },
      ...(kernel ? kernelTreeInputs(m, facts)! : []),
      toolIdentityInput(['rustc', ...kernelCoreTools(m)]),
      { externalDependencies: [] },
    ],
    // The native fallback writes <crate>.o where the bitcode would be (never both).
    outputs: [out.bitcode, nativeObjectPath(out.bitcode)].map(ws),
    options: {
      manifestPath: join(m.root, cargo.manifest),
      lockFile: cargo.lock,
      crateName: m.crateName,
      profile: m.profile,
      rustflags: m.rustflags,
      ...(m.optLevel ? { optLevel: m.optLevel } : {}),
      outputPath: out.bitcode,
      ...(kernel && m.kernelDir ? { kernelDir: m.kernelDir } : {}),
    },
    metadata: {
      technologies,
      description: `Build ${cargo.manifest} with its Cargo.lock to one LLVM bitcode module (the crate, its dependencies and the core/alloc code it uses; fat LTO, panic=abort)`,
      help: { command: `nx run ${m.name}:rust-bc --verbose`, example: { options: { optLevel: 's' } } },
    },
  };
}

/** A self-contained kernel crate's rust-bc also runs llvm-link (KERNEL-CORE: stock core/alloc made kernel code). */
function kernelCoreTools(m: Manifest): Array<'llvm-link'> {
  return m.profile === 'kernel' && m.runtime ? ['llvm-link'] : [];
}

/** `runtime-bc`: the plugin's runtime C for the driver's profile (what local-lto-rt calls), compiled like helpers. */
function runtimeBcTarget(m: Manifest, runtime: NonNullable<NonNullable<Manifest['runtime']>['c']>, facts: InferenceFacts): TargetConfiguration {
  const outputs = runtimeOutputs(m);
  const kernel = m.profile === 'kernel';
  return {
    executor: 'nx-local-lto:clang-bc',
    cache: true,
    inputs: [folderInput(runtime.root), { env: FALLBACK_ENV }, ...(kernel ? kernelTreeInputs(m, facts)! : []), toolIdentityInput(['rustc', 'clang']), { externalDependencies: [] }],
    outputs: outputs.flatMap((b) => [b, nativeObjectPath(b), b.replace(/\.bc$/, '.d')]).map(ws),
    options: {
      sources: runtime.sources,
      sourceRoot: runtime.root,
      profile: m.profile,
      outputDir: join('dist', m.root, 'runtime'),
      ...CARGO_C_OPTIONS,
      // Kernel: kbuild's flags for the driver's tree, and the module's name for pr_fmt.
      ...(kernel && m.kernelDir ? { kernelDir: m.kernelDir } : {}),
      ...(kernel && m.module ? { moduleName: m.module.name } : {}),
    },
    metadata: {
      technologies,
      description: `Compile the plugin's ${m.profile}-profile runtime (panic path and allocator of local-lto-rt) to helper bitcode`,
      help: { command: `nx run ${m.name}:runtime-bc --verbose`, example: { options: { defines: ['DEBUG=1'] } } },
    },
  };
}

/** Include folders for a project's C code: its own, then those of the C libraries it uses. */
function includeDirs(m: Manifest, libs: Manifest[]): string[] {
  return [m, ...libs.filter((l) => l.kind === 'c-library')].flatMap((l) => l.includeDirs.map((d) => join(l.root, d)));
}

/** The headers the sources read outside the workspace, by content (one input); none when the toolchain is unknown. */
function headerInputs(m: Manifest, libs: Manifest[], profile: Profile, options: Record<string, unknown>, facts: InferenceFacts): TargetConfiguration['inputs'] {
  const tc = facts.toolchain;
  const kernel = profile === 'kernel' ? facts.kernel(m.kernelDir) : undefined;
  if (!tc || (profile === 'kernel' && !kernel) || !m.sources.length) return [];
  const validated = validateOptions<ClangBcExecutorOptions>(clangBcSchema, { ...options });
  const compiles = m.sources.map((s) => {
    const source = join(m.root, s);
    const step = cBitcodeStep(
      validated,
      tc.host,
      facts.workspaceRoot,
      source,
      { bitcodeOut: '-', depFileOut: '-', depTarget: '-' },
      kernel ? { cflags: kernel.cflags, moduleName: (options.moduleName as string | undefined) ?? m.name.replace(/-/g, '_') } : undefined,
    );
    return { step, depFile: cBitcodePath(cBitcodeDir(m, profile), m.root, source).replace(/\.bc$/, '.d') };
  });
  // What decides the flags: the manifests (the project's, its libraries') and the kernel tree's configuration.
  const flagFiles = [...[m, ...libs].map((l) => join(l.root, MANIFEST_FILE)), ...(kernel ? kernel.tree.identityFiles : [])];
  return [headerFilesInput(tc.clang, compiles, flagFiles)];
}

function clangBcTarget(m: Manifest, libs: Manifest[], profile: Profile, facts: InferenceFacts): TargetConfiguration {
  const cLibs = libs.filter((l) => l.kind === 'c-library');
  const outputs = cBitcodeOutputs(m, profile);
  const b = m.bindings;
  const kernel = profile === 'kernel';
  const options = {
    sources: cSources(m),
    includeDirs: [...includeDirs(m, libs), ...(b ? b.includeDirs.map((d) => join(m.root, d)) : [])],
    defines: [...m.defines, ...(b?.defines ?? [])],
    cflags: m.cflags,
    ...(m.optLevel ? { optLevel: m.optLevel } : {}),
    profile,
    outputDir: cBitcodeDir(m, profile),
    ...(kernel && m.kernelDir ? { kernelDir: m.kernelDir } : {}),
    ...(kernel && m.module ? { moduleName: m.module.name } : {}),
    ...(m.selfContained ? CARGO_C_OPTIONS : {}),
  };
  return {
    executor: 'nx-local-lto:clang-bc',
    cache: true,
    ...(b ? { dependsOn: ['bindgen'] } : {}),
    inputs: [
      ...m.sources.map((s) => `{projectRoot}/${s}`),
      '{projectRoot}/**/*.h',
      `{projectRoot}/${MANIFEST_FILE}`,
      ...cLibs.map((l) => ws(`${l.root}/**/*.h`)),
      { env: FALLBACK_ENV },
      ...(kernel ? kernelTreeInputs(m, facts)! : []),
      ...headerInputs(m, libs, profile, options, facts)!,
      ...bindingsInputs(!!b, '**/bindings/*.{c,h}'),
      ...(b ? bindingsHeaderInputs(m, b, profile, facts) : []),
      toolIdentityInput(b ? ['rustc', 'clang', 'bindgen'] : ['rustc', 'clang']),
      { externalDependencies: [] },
    ],
    outputs: outputs.flatMap((o) => [o, nativeObjectPath(o), o.replace(/\.bc$/, '.d')]).map(ws),
    options,
    metadata: {
      technologies,
      description: `Compile ${cSources(m).length} C file(s) to bitcode (${profile} profile${kernel ? ", kbuild's flags for the tree" : ''}) with the Rust target triple and -flto=thin`,
      help: { command: `nx run ${m.name}:clang-bc --verbose`, example: { options: { defines: ['DEBUG=1'] } } },
    },
  };
}

function driverBuildTarget(m: Manifest, libs: Manifest[], facts: InferenceFacts, mode: 'lto' | 'calls' = 'lto'): TargetConfiguration {
  const dir = mode === 'lto' ? join('dist', m.root) : join('dist', m.root, 'calls');
  const output = join(dir, `${m.name}.o`);
  const report = join(dir, 'inline-report.json');
  const kernel = m.profile === 'kernel';
  const bitcode = [
    ...cBitcodeOutputs(m, m.profile),
    ...libs.flatMap((l) => (l.kind === 'c-library' ? cBitcodeOutputs(l, m.profile) : [rustOutputs(l).bitcode])),
    ...runtimeOutputs(m),
  ];
  const requireInlined = m.runtime?.c && !m.requireInlined.includes(RUNTIME_REQUIRE_INLINED) ? [...m.requireInlined, RUNTIME_REQUIRE_INLINED] : m.requireInlined;
  return {
    executor: 'nx-local-lto:lld-relocatable',
    cache: true,
    dependsOn: ['rust-bc', ...(cSources(m).length ? ['clang-bc'] : []), ...(m.runtime?.c ? ['runtime-bc'] : []), '^build'],
    inputs: [
      `{projectRoot}/${MANIFEST_FILE}`,
      // Native objects are linked as they are: a rebuilt .o must be a cache miss.
      ...m.objects.map((o) => `{projectRoot}/${o}`),
      { dependentTasksOutputFiles: '**/*.bc', transitive: true },
      { dependentTasksOutputFiles: '**/*.o', transitive: true },
      { env: FALLBACK_ENV },
      ...(kernel ? kernelTreeInputs(m, facts)! : []),
      toolIdentityInput(['rustc', 'llvm-link', 'ld.lld', 'llvm-objcopy', ...(kernel || mode === 'calls' ? (['clang'] as const) : [])]),
      { externalDependencies: [] },
    ],
    outputs: [output, report].map(ws),
    options: {
      rustBitcode: rustOutputs(m).bitcode,
      bitcode,
      output,
      report,
      requireInlined: mode === 'lto' ? requireInlined : [],
      ...(m.objects.length ? { objects: m.objects.map((o) => join(m.root, o)) } : {}),
      ...(m.ltoOptLevel ? { ltoOptLevel: m.ltoOptLevel } : {}),
      ...(m.inlinePolicy ? { inlinePolicy: m.inlinePolicy } : {}),
      ...(m.runtimeSymbols ? { runtimeSymbols: m.runtimeSymbols } : {}),
      ...(m.exports ? { exports: m.exports } : {}),
      ...(mode === 'calls' ? { mode } : {}),
      ...(kernel ? { profile: m.profile, kernelPolicy: m.kernelPolicy, flags: [...m.cflags, ...m.rustflags], ...(m.kernelDir ? { kernelDir: m.kernelDir } : {}) } : {}),
    },
    metadata: {
      technologies,
      description: mode === 'lto'
        ? `LTO-link Rust and helper bitcode into one relocatable object, helpers inlined and internalized; write inline-report.json${kernel ? '; check it as the kernel will (loader relocations, exports, hardening, objtool)' : ''}`
        : 'The same bitcode compiled file by file and linked without LTO (every helper a call): the object to compare behaviour against',
      help: { command: mode === 'lto' ? `nx build ${m.name} --verbose` : `nx run ${m.name}:build-calls`, example: { options: { inlinePolicy: 'warn' } } },
    },
  };
}

/** `module`: the `.ko` files, linked by kbuild from the local-LTO object and the calls object with the driver's C glue. */
function kernelModuleTarget(m: Manifest, libs: Manifest[], facts: InferenceFacts, mod: NonNullable<Manifest['module']>): TargetConfiguration {
  return {
    executor: 'nx-local-lto:kernel-module',
    cache: true,
    dependsOn: ['build', 'build-calls'],
    inputs: [
      ...mod.glue.map((g) => `{projectRoot}/${g}`),
      '{projectRoot}/**/*.h',
      `{projectRoot}/${MANIFEST_FILE}`,
      { dependentTasksOutputFiles: '**/*.o' },
      ...kernelTreeInputs(m, facts)!,
      toolIdentityInput(['rustc', 'clang']),
      { externalDependencies: [] },
    ],
    outputs: [moduleFile(m, mod.name), moduleFile(m, `${mod.name}_calls`)].map(ws),
    options: {
      modules: [
        { name: mod.name, object: join('dist', m.root, `${m.name}.o`) },
        { name: `${mod.name}_calls`, object: join('dist', m.root, 'calls', `${m.name}.o`) },
      ],
      glue: mod.glue.map((g) => join(m.root, g)),
      includeDirs: includeDirs(m, libs),
      ...(m.kernelDir ? { kernelDir: m.kernelDir } : {}),
    },
    metadata: {
      technologies: [...technologies, 'kbuild'],
      description: `Link ${mod.name}.ko (local LTO) and ${mod.name}_calls.ko (helpers as calls) with kbuild, objtool and modpost of the tree`,
      help: { command: `nx run ${m.name}:module --verbose`, example: { options: { glue: [`${m.root}/module/${mod.name}.c`] } } },
    },
  };
}

function moduleFile(m: Manifest, name: string): string {
  return join('dist', m.root, `${name}.ko`);
}

/** `test` of a kernel module: boot the tree's kernel in QEMU, load both modules, compare what they print. */
function vmTestTarget(m: Manifest, facts: InferenceFacts, mod: NonNullable<Manifest['module']>): TargetConfiguration {
  return {
    executor: 'nx-local-lto:vm-test',
    cache: true,
    dependsOn: ['module'],
    inputs: [`{projectRoot}/${MANIFEST_FILE}`, { dependentTasksOutputFiles: '**/*.ko' }, ...kernelTreeInputs(m, facts)!, { externalDependencies: [] }],
    outputs: [],
    options: {
      modules: [moduleFile(m, mod.name)],
      compareWith: moduleFile(m, `${mod.name}_calls`),
      expect: mod.vmTest?.expect ?? [],
      ...(m.kernelDir ? { kernelDir: m.kernelDir } : {}),
    },
    metadata: {
      technologies: [...technologies, 'qemu'],
      description: `Boot the tree's kernel in QEMU, load ${mod.name}.ko and ${mod.name}_calls.ko, check what their init prints and that both print the same`,
      help: { command: `nx test ${m.name}`, example: { options: { timeoutMs: 180000 } } },
    },
  };
}

/**
 * What a host test reads besides its sources: files named in its args (in the workspace as
 * file inputs, outside by content) and the libraries it links.
 */
function hostTestReads(test: NonNullable<Manifest['test']>, facts: InferenceFacts): NonNullable<TargetConfiguration['inputs']> {
  const files = test.args.filter((a) => !a.startsWith('-') && existsSync(resolve(facts.workspaceRoot, a)) && statSync(resolve(facts.workspaceRoot, a)).isFile());
  const inside = files.filter((f) => !isAbsolute(f) && !f.startsWith('..'));
  const outside = files.filter((f) => !inside.includes(f)).map((f) => resolve(facts.workspaceRoot, f));
  return [
    ...inside.map(ws),
    ...(outside.length ? [fileContentsInput(outside)] : []),
    ...(test.linkLibs.length ? [linkedLibrariesInput('cc', test.linkLibs)] : []),
  ];
}

function hostTestTarget(m: Manifest, libs: Manifest[], test: NonNullable<Manifest['test']>, facts: InferenceFacts): TargetConfiguration {
  return {
    executor: 'nx-local-lto:host-test',
    cache: true,
    dependsOn: ['build'],
    inputs: [
      ...test.sources.map((s) => `{projectRoot}/${s}`),
      '{projectRoot}/**/*.h',
      ...libs.filter((l) => l.kind === 'c-library').map((l) => ws(`${l.root}/**/*.h`)),
      `{projectRoot}/${MANIFEST_FILE}`,
      { dependentTasksOutputFiles: '**/*.o' },
      ...hostTestReads(test, facts),
      toolIdentityInput(['cc']),
      { externalDependencies: [] },
    ],
    outputs: [],
    options: {
      sources: test.sources.map((s) => join(m.root, s)),
      objects: [join('dist', m.root, `${m.name}.o`)],
      includeDirs: includeDirs(m, libs),
      linkLibs: test.linkLibs,
      pie: m.profile !== 'kernel',
      args: test.args,
    },
    metadata: {
      technologies,
      description: 'Compile the host test program, link it with the driver object and run it',
      help: { command: `nx test ${m.name}`, example: { options: { args: ['64'] } } },
    },
  };
}

/** A driver can only link libraries built for its profile: say which manifest to fix. */
function warnProfileMismatches(m: Manifest, libs: Manifest[]): void {
  for (const l of libs) {
    const built = l.kind === 'c-library' ? l.profiles : [l.profile];
    if (!built.includes(m.profile)) {
      logger.warn(`nx-local-lto: ${m.root} (${m.profile} profile) uses ${l.name}, which is built for ${built.join(', ')}: add "${m.profile}" to "profiles" in ${l.root}/${MANIFEST_FILE}`);
    }
  }
}

/** The inferred targets of one project, from its manifest and the libraries it uses (closure). */
export function inferTargets(m: Manifest, libs: Manifest[], facts: InferenceFacts = NO_FACTS): Record<string, TargetConfiguration> {
  switch (m.kind) {
    case 'c-library': {
      const perProfile = Object.fromEntries(m.profiles.map((p) => [`clang-bc-${p}`, clangBcTarget(m, libs, p, facts)]));
      return {
        ...(m.bindings ? { bindgen: bindgenTarget(m, m.bindings, facts) } : {}),
        ...perProfile,
        build: {
          executor: 'nx:noop',
          dependsOn: Object.keys(perProfile),
          metadata: { technologies, description: `Build the library's helper bitcode for the ${m.profiles.join(' and ')} profile(s)` },
        },
      };
    }
    case 'rust-crate':
      return { build: rustBcTarget(m, libs, true, facts) };
    case 'driver':
      warnProfileMismatches(m, libs);
      return {
        'rust-bc': m.cargo && m.runtime ? cargoBcTarget(m, m.cargo, m.runtime, facts) : rustBcTarget(m, libs, false, facts),
        ...(m.bindings ? { bindgen: bindgenTarget(m, m.bindings, facts) } : {}),
        ...(m.runtime?.c ? { 'runtime-bc': runtimeBcTarget(m, m.runtime.c, facts) } : {}),
        ...(cSources(m).length ? { 'clang-bc': clangBcTarget(m, libs, m.profile, facts) } : {}),
        build: driverBuildTarget(m, libs, facts),
        ...(m.module && m.profile === 'kernel'
          ? { 'build-calls': driverBuildTarget(m, libs, facts, 'calls'), module: kernelModuleTarget(m, libs, facts, m.module), test: vmTestTarget(m, facts, m.module) }
          : m.test ? { test: hostTestTarget(m, libs, m.test, facts) } : {}),
        doctor: doctorTarget(m),
      };
  }
}

// ---- header bindings (issue 17) ------------------------------------------------------
/**
 * `bindgen`: the manifest's headers to Rust declarations and C wrappers (dist/<root>/bindings).
 * Keyed on the manifest (headers, allow-lists, defines), the project's headers and bindgen's
 * identity, which names the libclang it loads.
 */
function bindgenTarget(m: Manifest, b: NonNullable<Manifest['bindings']>, facts: InferenceFacts): TargetConfiguration {
  const dir = defaultBindingsDir(m.root);
  const out = bindingsPaths(dir);
  return {
    executor: 'nx-local-lto:bindgen',
    cache: true,
    inputs: [
      `{projectRoot}/${MANIFEST_FILE}`,
      '{projectRoot}/**/*.h',
      ...bindingsHeaderInputs(m, b, m.profile, facts),
      toolIdentityInput(['rustc', 'bindgen']),
      { externalDependencies: [] },
    ],
    outputs: [out.rust, out.umbrella, out.wrappers, out.unit].map(ws),
    options: {
      headers: b.headers,
      functions: b.functions,
      types: b.types,
      vars: b.vars,
      includeDirs: b.includeDirs.map((d) => join(m.root, d)),
      defines: b.defines,
      outputDir: dir,
    },
    metadata: {
      technologies,
      description: `Generate Rust bindings and inline C wrappers of ${b.headers.join(', ')} with bindgen`,
      help: { command: `nx run ${m.name}:bindgen --verbose`, example: { options: { functions: ['io_uring_.*'] } } },
    },
  };
}

/**
 * The bound headers wherever they are (/usr/include/libaio.h): their text preprocessed by the
 * build's clang (the shared PREPROCESS input), each header force-included into an empty C file.
 * None when the toolchain is unknown at inference, as for helpers' headers.
 */
function bindingsHeaderInputs(m: Manifest, b: NonNullable<Manifest['bindings']>, profile: Profile, facts: InferenceFacts): TargetConfiguration['inputs'] & object[] {
  const tc = facts.toolchain;
  // TODO(kernel profile): kernel headers need kbuild's flags (facts.kernel) to preprocess.
  if (!tc || profile === 'kernel') return [];
  const options = validateOptions<ClangBcExecutorOptions>(clangBcSchema, {
    sources: ['/dev/null'],
    includeDirs: b.includeDirs.map((d) => join(m.root, d)),
    defines: b.defines,
    cflags: ['-x', 'c', ...b.headers.flatMap((h) => ['-include', h])],
    profile,
  });
  return [preprocessedInput(tc.clang, cBitcodeStep(options, tc.host, facts.workspaceRoot, '/dev/null', { bitcodeOut: '-', depFileOut: '-', depTarget: '-' }))];
}

/** Cache inputs of a target that reads bindgen's outputs (besides bindgen's identity). */
function bindingsInputs(uses: boolean, pattern: string): Array<{ dependentTasksOutputFiles: string; transitive: boolean }> {
  return uses ? [{ dependentTasksOutputFiles: pattern, transitive: true }] : [];
}

/**
 * Environment variable -> bindings.rs for rust-bc: `LOCAL_LTO_BINDINGS` for the crate's own
 * bindings, `LOCAL_LTO_BINDINGS_<LIB>` for those of each c-library it uses.
 */
function rustBindings(m: Manifest, libs: Manifest[]): Record<string, string> {
  const own = m.bindings ? [[BINDINGS_ENV, bindingsPaths(defaultBindingsDir(m.root)).rust]] : [];
  const ofLibs = libs
    .filter((l) => l.kind === 'c-library' && l.bindings)
    .map((l) => [`${BINDINGS_ENV}_${l.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`, bindingsPaths(defaultBindingsDir(l.root)).rust]);
  return Object.fromEntries([...own, ...ofLibs]);
}
// ---- end of header bindings ----------------------------------------------------------

/** `doctor`: prints the toolchain and its compatibility; never cached (it inspects the machine). */
function doctorTarget(m: Manifest): TargetConfiguration {
  return {
    executor: 'nx-local-lto:doctor',
    cache: false,
    options: m.profile === 'kernel' ? { kernel: true, ...(m.kernelDir ? { kernelDir: m.kernelDir } : {}) } : {},
    metadata: {
      technologies,
      description: 'Print the toolchain in use (rustc and its LLVM, clang, llvm-link, ld.lld/rust-lld), whether it fits together, and the Debian packages that fix a gap',
      help: { command: `nx run ${m.name}:doctor`, example: { options: { linker: 'rust-lld' } } },
    },
  };
}
