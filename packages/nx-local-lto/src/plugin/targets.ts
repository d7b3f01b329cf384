import { TargetConfiguration } from '@nx/devkit';
import { join } from 'node:path';
import { cBitcodePath, defaultCBitcodeDir } from '../executors/clang-bc/output-paths';
import { defaultRustBitcodePath } from '../executors/rust-bc/executor';
import { Manifest, MANIFEST_FILE } from './manifest';
import { toolIdentityInputs } from './tool-identity';

const ws = (p: string) => `{workspaceRoot}/${p}`;
const technologies = ['rust', 'c', 'llvm'];

/** Bitcode files a c-library or driver's clang-bc writes. */
function cBitcodeOutputs(m: Manifest): string[] {
  return m.sources.map((s) => cBitcodePath(defaultCBitcodeDir(m.root), m.root, join(m.root, s)));
}

function rustOutputs(m: Manifest): { bitcode: string; depInfo: string; rmeta: string } {
  const bitcode = defaultRustBitcodePath(m.root, m.crateName);
  return { bitcode, depInfo: bitcode.replace(/\.bc$/, '.d'), rmeta: join(bitcode, '..', `lib${m.crateName}.rmeta`) };
}

function rustBcTarget(m: Manifest, libs: Manifest[], emitMetadata: boolean): TargetConfiguration {
  const out = rustOutputs(m);
  const externs = Object.fromEntries(libs.filter((l) => l.kind === 'rust-crate').map((l) => [l.crateName, rustOutputs(l).rmeta]));
  return {
    executor: 'nx-local-lto:rust-bc',
    cache: true,
    dependsOn: ['^build'],
    inputs: [
      '{projectRoot}/**/*.rs',
      `{projectRoot}/${MANIFEST_FILE}`,
      { dependentTasksOutputFiles: '**/*.rmeta', transitive: true },
      { env: 'RUSTFLAGS' },
      ...toolIdentityInputs('rustc'),
      { externalDependencies: [] },
    ],
    outputs: [out.bitcode, out.depInfo, ...(emitMetadata ? [out.rmeta] : [])].map(ws),
    options: {
      crateRoot: join(m.root, m.crateRoot),
      crateName: m.crateName,
      edition: m.edition,
      profile: m.profile,
      cfg: m.cfg,
      externs,
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

function clangBcTarget(m: Manifest, libs: Manifest[]): TargetConfiguration {
  const cLibs = libs.filter((l) => l.kind === 'c-library');
  const outputs = cBitcodeOutputs(m);
  return {
    executor: 'nx-local-lto:clang-bc',
    cache: true,
    inputs: [
      '{projectRoot}/**/*.c',
      '{projectRoot}/**/*.h',
      `{projectRoot}/${MANIFEST_FILE}`,
      ...cLibs.map((l) => ws(`${l.root}/**/*.h`)),
      ...toolIdentityInputs('rustc'),
      ...toolIdentityInputs('clang'),
      { externalDependencies: [] },
    ],
    outputs: outputs.flatMap((b) => [b, b.replace(/\.bc$/, '.d')]).map(ws),
    options: {
      sources: m.sources.map((s) => join(m.root, s)),
      includeDirs: includeDirs(m, libs),
      defines: m.defines,
      cflags: m.cflags,
      profile: m.profile,
    },
    metadata: {
      technologies,
      description: `Compile ${m.sources.length} C file(s) to bitcode with the Rust target triple and -flto=thin`,
      help: { command: `nx run ${m.name}:clang-bc --verbose`, example: { options: { defines: ['DEBUG=1'] } } },
    },
  };
}

function driverBuildTarget(m: Manifest, libs: Manifest[]): TargetConfiguration {
  const output = join('dist', m.root, `${m.name}.o`);
  const report = join('dist', m.root, 'inline-report.json');
  const bitcode = [
    ...cBitcodeOutputs(m),
    ...libs.flatMap((l) => (l.kind === 'c-library' ? cBitcodeOutputs(l) : [rustOutputs(l).bitcode])),
  ];
  return {
    executor: 'nx-local-lto:lld-relocatable',
    cache: true,
    dependsOn: ['rust-bc', ...(m.sources.length ? ['clang-bc'] : []), '^build'],
    inputs: [
      `{projectRoot}/${MANIFEST_FILE}`,
      { dependentTasksOutputFiles: '**/*.bc', transitive: true },
      ...toolIdentityInputs('rustc'),
      ...toolIdentityInputs('llvm-link'),
      ...toolIdentityInputs('ld.lld'),
      { externalDependencies: [] },
    ],
    outputs: [output, report].map(ws),
    options: {
      rustBitcode: rustOutputs(m).bitcode,
      bitcode,
      output,
      report,
      requireInlined: m.requireInlined,
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
      `{projectRoot}/${MANIFEST_FILE}`,
      { dependentTasksOutputFiles: '**/*.o' },
      { externalDependencies: [] },
    ],
    outputs: [],
    options: {
      sources: test.sources.map((s) => join(m.root, s)),
      objects: [join('dist', m.root, `${m.name}.o`)],
      includeDirs: includeDirs(m, libs),
      linkLibs: test.linkLibs,
      args: test.args,
    },
    metadata: {
      technologies,
      description: 'Compile the host test program, link it with the driver object and run it',
      help: { command: `nx test ${m.name}`, example: { options: { args: ['64'] } } },
    },
  };
}

/** The inferred targets of one project, from its manifest and the libraries it uses (closure). */
export function inferTargets(m: Manifest, libs: Manifest[]): Record<string, TargetConfiguration> {
  switch (m.kind) {
    case 'c-library':
      return { build: { ...clangBcTarget(m, libs), metadata: { ...clangBcTarget(m, libs).metadata, description: `Compile the library's ${m.sources.length} C helper file(s) to bitcode` } } };
    case 'rust-crate':
      return { build: rustBcTarget(m, libs, true) };
    case 'driver':
      return {
        'rust-bc': rustBcTarget(m, libs, false),
        ...(m.sources.length ? { 'clang-bc': clangBcTarget(m, libs) } : {}),
        build: driverBuildTarget(m, libs),
        ...(m.test ? { test: hostTestTarget(m, libs, m.test) } : {}),
      };
  }
}
