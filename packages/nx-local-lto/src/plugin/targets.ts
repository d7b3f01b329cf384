import { logger, TargetConfiguration } from '@nx/devkit';
import { join } from 'node:path';
import { cBitcodePath, defaultCBitcodeDir } from '../executors/clang-bc/output-paths';
import { bindingsPaths, defaultBindingsDir } from '../executors/bindgen/output-paths';
import { defaultRustBitcodePath } from '../executors/rust-bc/executor';
import { BINDINGS_ENV } from '../pipeline/bindgen-commands';
import { FALLBACK_ENV, nativeObjectPath } from '../toolchain/build-mode';
import { Profile } from '../toolchain/profiles';
import { Manifest, MANIFEST_FILE } from './manifest';
import { toolIdentityInput } from './tool-identity';

const ws = (p: string) => `{workspaceRoot}/${p}`;
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

function rustBcTarget(m: Manifest, libs: Manifest[], emitMetadata: boolean): TargetConfiguration {
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
      { env: 'RUSTFLAGS' },
      { env: FALLBACK_ENV },
      ...bindingsInputs(Object.keys(bindings).length > 0, '**/bindings/*.rs'),
      toolIdentityInput(Object.keys(bindings).length ? ['rustc', 'bindgen'] : ['rustc']),
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
      outputPath: out.bitcode,
      ...(emitMetadata ? { emitMetadata: true } : {}),
    },
    metadata: {
      technologies,
      description: `Compile ${m.crateRoot} to LLVM bitcode (one codegen unit, panic=abort)`,
      help: { command: `nx run ${m.name}:rust-bc --verbose`, example: { options: { rustflags: ['-Cdebuginfo=1'] } } },
    },
  };
}

/** Include folders for a project's C code: its own, then those of the C libraries it uses. */
function includeDirs(m: Manifest, libs: Manifest[]): string[] {
  return [m, ...libs.filter((l) => l.kind === 'c-library')].flatMap((l) => l.includeDirs.map((d) => join(l.root, d)));
}

function clangBcTarget(m: Manifest, libs: Manifest[], profile: Profile): TargetConfiguration {
  const cLibs = libs.filter((l) => l.kind === 'c-library');
  const outputs = cBitcodeOutputs(m, profile);
  const b = m.bindings;
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
      ...bindingsInputs(!!b, '**/bindings/*.{c,h}'),
      toolIdentityInput(b ? ['rustc', 'clang', 'bindgen'] : ['rustc', 'clang']),
      { externalDependencies: [] },
    ],
    outputs: outputs.flatMap((o) => [o, nativeObjectPath(o), o.replace(/\.bc$/, '.d')]).map(ws),
    options: {
      sources: cSources(m),
      includeDirs: [...includeDirs(m, libs), ...(b ? b.includeDirs.map((d) => join(m.root, d)) : [])],
      defines: [...m.defines, ...(b?.defines ?? [])],
      cflags: m.cflags,
      profile,
      outputDir: cBitcodeDir(m, profile),
    },
    metadata: {
      technologies,
      description: `Compile ${cSources(m).length} C file(s) to bitcode (${profile} profile) with the Rust target triple and -flto=thin`,
      help: { command: `nx run ${m.name}:clang-bc --verbose`, example: { options: { defines: ['DEBUG=1'] } } },
    },
  };
}

function driverBuildTarget(m: Manifest, libs: Manifest[]): TargetConfiguration {
  const output = join('dist', m.root, `${m.name}.o`);
  const report = join('dist', m.root, 'inline-report.json');
  const bitcode = [
    ...cBitcodeOutputs(m, m.profile),
    ...libs.flatMap((l) => (l.kind === 'c-library' ? cBitcodeOutputs(l, m.profile) : [rustOutputs(l).bitcode])),
  ];
  return {
    executor: 'nx-local-lto:lld-relocatable',
    cache: true,
    dependsOn: ['rust-bc', ...(cSources(m).length ? ['clang-bc'] : []), '^build'],
    inputs: [
      `{projectRoot}/${MANIFEST_FILE}`,
      { dependentTasksOutputFiles: '**/*.bc', transitive: true },
      { dependentTasksOutputFiles: '**/*.o', transitive: true },
      { env: FALLBACK_ENV },
      toolIdentityInput(['rustc', 'llvm-link', 'ld.lld', 'llvm-objcopy']),
      { externalDependencies: [] },
    ],
    outputs: [output, report].map(ws),
    options: {
      rustBitcode: rustOutputs(m).bitcode,
      bitcode,
      output,
      report,
      requireInlined: m.requireInlined,
      ...(m.exports ? { exports: m.exports } : {}),
    },
    metadata: {
      technologies,
      description: 'LTO-link Rust and helper bitcode into one relocatable object, helpers inlined and internalized; write inline-report.json',
      help: { command: `nx build ${m.name} --verbose`, example: { options: { inlinePolicy: 'warn' } } },
    },
  };
}

function hostTestTarget(m: Manifest, libs: Manifest[], test: NonNullable<Manifest['test']>): TargetConfiguration {
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
export function inferTargets(m: Manifest, libs: Manifest[]): Record<string, TargetConfiguration> {
  switch (m.kind) {
    case 'c-library': {
      const perProfile = Object.fromEntries(m.profiles.map((p) => [`clang-bc-${p}`, clangBcTarget(m, libs, p)]));
      return {
        ...(m.bindings ? { bindgen: bindgenTarget(m, m.bindings) } : {}),
        ...perProfile,
        build: {
          executor: 'nx:noop',
          dependsOn: Object.keys(perProfile),
          metadata: { technologies, description: `Build the library's helper bitcode for the ${m.profiles.join(' and ')} profile(s)` },
        },
      };
    }
    case 'rust-crate':
      return { build: rustBcTarget(m, libs, true) };
    case 'driver':
      warnProfileMismatches(m, libs);
      return {
        'rust-bc': rustBcTarget(m, libs, false),
        ...(m.bindings ? { bindgen: bindgenTarget(m, m.bindings) } : {}),
        ...(cSources(m).length ? { 'clang-bc': clangBcTarget(m, libs, m.profile) } : {}),
        build: driverBuildTarget(m, libs),
        ...(m.test ? { test: hostTestTarget(m, libs, m.test) } : {}),
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
function bindgenTarget(m: Manifest, b: NonNullable<Manifest['bindings']>): TargetConfiguration {
  const dir = defaultBindingsDir(m.root);
  const out = bindingsPaths(dir);
  return {
    executor: 'nx-local-lto:bindgen',
    cache: true,
    inputs: [
      `{projectRoot}/${MANIFEST_FILE}`,
      '{projectRoot}/**/*.h',
      // TODO(headers outside the workspace): system headers (/usr/include/liburing.h) enter
      // the key only through bindgen's identity and the manifest; the shared mechanism for
      // headers outside the workspace goes here once it lands.
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
    options: {},
    metadata: {
      technologies,
      description: 'Print the toolchain in use (rustc and its LLVM, clang, llvm-link, ld.lld/rust-lld), whether it fits together, and the Debian packages that fix a gap',
      help: { command: `nx run ${m.name}:doctor`, example: { options: { linker: 'rust-lld' } } },
    },
  };
}
