import { formatFiles, generateFiles, GeneratorCallback, getProjects, globAsync, logger, readJson, Tree } from '@nx/devkit';
import { basename, dirname, join, posix, win32 } from 'node:path';
import { LocalLtoError } from '../../errors';
import { validateOptions } from '../../options/validate-options';
import { libraryProfiles, Manifest, MANIFEST_FILE } from '../../plugin/manifest';
import { Profile } from '../../toolchain/profiles';
import { COMPILE_COMMANDS_FILE, RUST_PROJECT_FILE, writeIdeFiles } from '../ide-sync/generator';
import { initGenerator } from '../init/generator';
import { DriverGeneratorSchema } from './schema';
import schema from './schema.json';

/** Project names the generator accepts: valid Nx project names that are valid Rust crate names once '-' becomes '_'. */
const NAME = /^[a-z][a-z0-9_-]*$/;
/** Helper names: lowercase C and Rust identifiers. */
const HELPER = /^[a-z][a-z0-9_]*$/;
/** Library project names (folders under libs/). */
const LIB = /^[a-z0-9][a-z0-9._-]*$/;

/** Rust keywords (strict, reserved and edition-dependent): not usable as a crate or function name. */
const RUST_KEYWORDS = new Set(
  (
    'as async await break const continue crate dyn else enum extern false fn for gen if impl in let loop match mod move mut pub ref ' +
    'return self static struct super trait true try type unsafe use where while abstract become box do final macro override priv typeof unsized virtual yield'
  ).split(' '),
);
/** Crates every Rust build already has: a driver crate of the same name would clash. */
const SYSROOT_CRATES = new Set(['core', 'alloc', 'std', 'proc_macro', 'test', 'compiler_builtins']);
/** Top-level folders that are not the place for a project. */
const NOT_PROJECT_FOLDERS = new Set(['node_modules', 'dist', '.nx', '.git']);

/** One generated helper: the identifiers that appear in the C and Rust files. */
export interface HelperTemplate {
  /** The name given (`x`): also the safe Rust wrapper `fn x`. */
  name: string;
  /** `x_inline`: the static inline function in include/<crate>.h. */
  inline: string;
  /** `rust_helper_x`: the C helper Rust calls. */
  helper: string;
  /** `<crate>_x`: the function the Rust crate exports. */
  exported: string;
  /** C expression of `v` (uint32_t) that `x_inline` returns. */
  expression: string;
  /** What the expression computes, in words (a comment in the header). */
  describe: string;
  /** The same computation in JavaScript, modulo 2^32: the kernel module's expected output. */
  apply: (v: number) => number;
}

/** Normalized options: everything the templates need. */
export interface NormalizedDriverOptions {
  name: string;
  crate: string;
  directory: string;
  helpers: HelperTemplate[];
  libs: string[];
  /** The rust-crate projects among `libs`: the crate re-exports each (`pub use <crate>;`). */
  rustCrates: RustCrateTemplate[];
  profile: Profile;
  skipFormat: boolean;
}

/** What the kernel templates need beyond the common options. */
export interface KernelTemplate {
  /** Inputs the module's init passes to every helper. */
  values: number[];
  /** Lines the module's init prints when every check passes (manifest `module.vmTest.expect`). */
  expect: string[];
  /** Number of checks the init runs (one per helper and value, two for the refcount). */
  checks: number;
}

const fail = (message: string): never => {
  throw new LocalLtoError(message);
};

function list(value: string | string[]): string[] {
  return (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
}

const u32 = (x: number) => x >>> 0;
const rotl32 = (v: number, r: number) => u32((v << r) | (v >>> (32 - r)));
/** GOLDEN_RATIO_32 of <linux/hash.h>. */
const GOLDEN_RATIO_32 = 0x61c88647;

/**
 * A u32 -> u32 computation for the helper at `index`, different for every index: the
 * shape cycles through multiply-add, rotate-xor and xorshift-multiply and the constants
 * grow with the index. Unsigned C arithmetic wraps modulo 2^32, so every input is defined.
 * The kernel profile writes the rotate with rol32() of <linux/bitops.h> and the multiply of
 * the third shape as hash_32() of <linux/hash.h>: helpers over the tree's own inlines.
 */
export function helperComputation(index: number, profile: Profile = 'user'): Omit<HelperTemplate, 'name' | 'inline' | 'helper' | 'exported'> {
  const multiplier = 3 + 2 * index;
  const kernel = profile === 'kernel';
  switch (index % 3) {
    case 0: {
      const add = 0x9e37 + index;
      return { expression: `v * ${multiplier}u + ${add}u`, describe: `multiply by ${multiplier}, add ${add}`, apply: (v) => u32(Math.imul(v, multiplier) + add) };
    }
    case 1: {
      const rotate = 1 + ((index * 7) % 31);
      const mask = (0x5bd1e995 + index) >>> 0;
      const hex = `0x${mask.toString(16)}u`;
      const rotated = kernel ? `rol32(v, ${rotate})` : `((v << ${rotate}) | (v >> ${32 - rotate}))`;
      return { expression: `${rotated} ^ ${hex}`, describe: `rotate left by ${rotate}, xor ${hex}`, apply: (v) => u32(rotl32(v, rotate) ^ mask) };
    }
    default: {
      const shift = 1 + ((index * 5) % 31);
      if (kernel) {
        const bits = 32 - (index % 17);
        return {
          expression: `hash_32(v ^ (v >> ${shift}), ${bits})`,
          describe: `xor with itself shifted right by ${shift}, hash to ${bits} bits (multiply by GOLDEN_RATIO_32, keep the top bits)`,
          apply: (v) => u32(Math.imul(u32(v ^ (v >>> shift)), GOLDEN_RATIO_32)) >>> (32 - bits),
        };
      }
      return {
        expression: `(v ^ (v >> ${shift})) * ${multiplier}u`,
        describe: `xor with itself shifted right by ${shift}, multiply by ${multiplier}`,
        apply: (v) => u32(Math.imul(u32(v ^ (v >>> shift)), multiplier)),
      };
    }
  }
}

function checkName(name: string): string {
  if (!NAME.test(name)) {
    fail(`driver name '${name}' is not valid: use lowercase letters, digits, '-' and '_', starting with a letter (it is the Nx project name and, with '-' as '_', the Rust crate name)`);
  }
  const crate = name.replace(/-/g, '_');
  if (RUST_KEYWORDS.has(crate) || SYSROOT_CRATES.has(crate)) {
    fail(`driver name '${name}' cannot be a Rust crate name ('${crate}' is a Rust keyword or a sysroot crate); choose another name`);
  }
  return crate;
}

function checkDirectory(given: string): string {
  if (posix.isAbsolute(given) || win32.isAbsolute(given)) {
    fail(`directory '${given}' must be relative to the workspace root, e.g. drivers/<name>`);
  }
  const directory = posix.normalize(given.replace(/\\/g, '/')).replace(/\/+$/, '');
  if (directory === '.' || directory === '' || directory === '..' || directory.startsWith('../')) {
    fail(`directory '${given}' is outside the workspace or is its root; give a folder inside it, e.g. drivers/<name>`);
  }
  const top = directory.split('/')[0];
  if (NOT_PROJECT_FOLDERS.has(top)) {
    fail(`directory '${given}' is inside ${top}/, which holds no projects; give a folder such as drivers/<name>`);
  }
  return directory;
}

/**
 * Identifiers the kernel templates define besides the helpers' own (the refcount helpers, the
 * Rust export over them, the module glue's functions and data), each with what defines it.
 */
function kernelFixedIdentifiers(crate: string): Map<string, string> {
  const fixed = new Map<string, string>();
  for (const r of ['set', 'inc', 'read', 'dec_and_test']) fixed.set(`rust_helper_refcount_${r}`, 'the refcount helpers');
  fixed.set(`${crate}_refcount_cycle`, 'the Rust refcount export');
  for (const g of ['init', 'exit', 'check', 'same', 'refs']) fixed.set(`${crate}_${g}`, 'the module glue');
  return fixed;
}

function checkHelpers(given: string | string[], crate: string, profile: Profile): HelperTemplate[] {
  const names = list(given);
  if (names.length === 0) fail(`option 'helpers' lists no helper; give at least one, e.g. --helpers=example`);
  const seen = new Set<string>();
  for (const name of names) {
    if (!HELPER.test(name)) fail(`helper name '${name}' is not valid: use lowercase letters, digits and '_', starting with a letter`);
    if (RUST_KEYWORDS.has(name)) fail(`helper name '${name}' is a Rust keyword and cannot name the Rust wrapper; choose another name`);
    if (seen.has(name)) fail(`helper '${name}' is listed twice in option 'helpers'`);
    seen.add(name);
  }
  const helpers = names.map((name, index) => ({
    name,
    inline: `${name}_inline`,
    helper: `rust_helper_${name}`,
    exported: `${crate}_${name}`,
    ...helperComputation(index, profile),
  }));
  const fixed = profile === 'kernel' ? kernelFixedIdentifiers(crate) : new Map<string, string>();
  // Two helper names can still produce the same identifier (helper 'x_inline' vs x's inline, '<crate>_y' vs y's export).
  const owner = new Map<string, string>();
  for (const h of helpers) {
    for (const id of [h.name, h.inline, h.helper, h.exported]) {
      const taken = fixed.get(id);
      if (taken !== undefined) fail(`helper '${h.name}' would define '${id}', already defined by ${taken} of the kernel template; choose another name`);
      const other = owner.get(id);
      if (other !== undefined && other !== h.name) fail(`helpers '${other}' and '${h.name}' would both define '${id}'; rename one of them`);
      owner.set(id, h.name);
    }
  }
  return helpers;
}

/** Inputs the kernel module's init passes to each helper (edges of u32 and one ordinary value). */
const KERNEL_VALUES = [0, 1, 42, 0xffffffff];

/** The lines the generated module's init prints when Rust and the C inlines agree (see files-kernel/module). */
export function kernelTemplate(helpers: HelperTemplate[]): KernelTemplate {
  const values = KERNEL_VALUES;
  const lines = values.flatMap((v) => helpers.map((h) => `${h.exported}(${v}) = ${h.apply(v)} ok`));
  const checks = lines.length + 2;
  return { values, checks, expect: [...lines, 'refcount count 2 ok', 'refcount released 1 ok', `all ${checks} checks passed`] };
}

/**
 * Longest crate name of a kernel driver: kbuild names the modules `<crate>` and
 * `<crate>_calls`, and the kernel's module names have at most 55 characters (MODULE_NAME_LEN 64
 * less the 8 of an unsigned long, less the terminating NUL).
 */
const KERNEL_CRATE_MAX = 55 - '_calls'.length;

/** Kinds of library project a driver can use (`libs`). */
const LIBRARY_KINDS = ['c-library', 'rust-crate'];

/** A Rust support crate the driver uses: its project name and the crate name `--extern` gives it. */
export interface RustCrateTemplate {
  name: string;
  crate: string;
}

/** The library projects under libs/ (folder names whose manifest has kind c-library or rust-crate), as 'name (kind)'. */
function libraries(tree: Tree): string[] {
  return tree.exists('libs')
    ? tree.children('libs').flatMap((lib) => {
        const file = `libs/${lib}/${MANIFEST_FILE}`;
        if (!tree.isFile(file)) return [];
        try {
          const kind = readJson(tree, file).kind;
          return LIBRARY_KINDS.includes(kind) ? [`${lib} (${kind})`] : [];
        } catch {
          return [];
        }
      })
    : [];
}

/** The libraries of option `libs`, each checked, and the Rust support crates among them. */
function checkLibs(tree: Tree, given: string | string[], profile: Profile): { libs: string[]; rustCrates: RustCrateTemplate[] } {
  const libs = list(given);
  const rustCrates: RustCrateTemplate[] = [];
  const available = () => {
    const names = libraries(tree);
    return names.length ? `libraries in libs/: ${names.join(', ')}` : 'there is no c-library or rust-crate in libs/';
  };
  const seen = new Set<string>();
  for (const lib of libs) {
    if (!LIB.test(lib)) fail(`library name '${lib}' is not valid: give the project name of a c-library or rust-crate under libs/ (${available()})`);
    if (seen.has(lib)) fail(`library '${lib}' is listed twice in option 'libs'`);
    seen.add(lib);
    const file = `libs/${lib}/${MANIFEST_FILE}`;
    if (!tree.isFile(file)) fail(`library '${lib}' not found: ${file} does not exist (${available()})`);
    let raw: { kind?: unknown; profiles?: unknown; profile?: unknown; crateName?: unknown } = {};
    try {
      raw = readJson(tree, file);
    } catch (e) {
      fail(`library '${lib}': ${file} is not valid JSON (${(e as Error).message.split('\n')[0]})`);
    }
    if (!LIBRARY_KINDS.includes(raw.kind as string)) {
      fail(`library '${lib}' is neither a c-library nor a rust-crate: ${file} has kind ${JSON.stringify(raw.kind)} (${available()})`);
    }
    if (raw.kind === 'rust-crate') {
      // A Rust crate is built for its one profile (targets.ts); a c-library for each of its profiles.
      const built = (raw.profile as Profile | undefined) ?? 'user';
      if (built !== profile) fail(`library '${lib}' is a rust-crate built for the ${built} profile, not ${profile}: set "profile" in ${file}`);
      rustCrates.push({ name: lib, crate: typeof raw.crateName === 'string' ? raw.crateName : lib.replace(/-/g, '_') });
      continue;
    }
    const profiles = libraryProfiles(raw as Partial<Manifest>);
    if (!profiles.includes(profile)) fail(`library '${lib}' is not built for the ${profile} profile: add "${profile}" to "profiles" in ${file}`);
  }
  return { libs, rustCrates };
}

/**
 * Project names and roots already in the workspace: project.json/package.json projects
 * (getProjects) and the projects this plugin infers from manifests, which getProjects
 * does not see.
 */
async function existingProjects(tree: Tree): Promise<Map<string, string>> {
  const projects = new Map<string, string>();
  for (const [name, config] of getProjects(tree)) projects.set(name, config.root);
  for (const file of await globAsync(tree, [`**/${MANIFEST_FILE}`])) {
    const root = dirname(file);
    try {
      const raw = readJson(tree, file);
      projects.set(typeof raw.name === 'string' ? raw.name : basename(root), root);
    } catch {
      // An unreadable manifest names no project; the plugin skips it with a warning too.
    }
  }
  return projects;
}

/** Validates every option against the schema and the workspace; throws a one-line LocalLtoError, writing nothing. */
export async function normalizeDriverOptions(tree: Tree, rawOptions: Partial<DriverGeneratorSchema>): Promise<NormalizedDriverOptions> {
  const options = validateOptions<DriverGeneratorSchema>(schema, rawOptions);
  const name = options.name.trim();
  const crate = checkName(name);
  const directory = checkDirectory(options.directory?.trim() || `drivers/${name}`);
  const projects = await existingProjects(tree);
  if (projects.has(name)) fail(`a project named '${name}' already exists (in ${projects.get(name)}); choose another name`);
  if (tree.exists(directory)) fail(`directory '${directory}' already exists; choose another name or --directory`);
  for (const [other, root] of projects) {
    if (root !== '.' && root !== '' && directory.startsWith(`${root}/`)) {
      fail(`directory '${directory}' is inside project '${other}' (${root}); projects cannot nest, choose another --directory`);
    }
  }
  if (options.profile === 'kernel' && crate.length > KERNEL_CRATE_MAX) {
    fail(`driver name '${name}' is too long for a kernel module: the module '${crate}_calls' would exceed the kernel's 55 characters; use at most ${KERNEL_CRATE_MAX}`);
  }
  const helpers = checkHelpers(options.helpers, crate, options.profile);
  const { libs, rustCrates } = checkLibs(tree, options.libs, options.profile);
  return { name, crate, directory, helpers, libs, rustCrates, profile: options.profile, skipFormat: options.skipFormat };
}

/**
 * Runs the IDE sync generator's logic on the tree, so compile_commands.json and
 * rust-project.json list the new driver and `nx sync:check` passes right after `nx g`.
 * Without a toolchain it only warns: the driver files are still written, and `nx sync`
 * writes the IDE files once the toolchain is there.
 */
async function updateIdeFiles(tree: Tree): Promise<void> {
  try {
    await writeIdeFiles(tree);
  } catch (e) {
    logger.warn(`nx-local-lto: ${COMPILE_COMMANDS_FILE} and ${RUST_PROJECT_FILE} were not updated (${(e as Error).message.split('\n')[0]}); run 'nx sync' once the toolchain is installed.`);
  }
}

/**
 * `nx g nx-local-lto:driver <name>`: a Rust crate with C helpers and its manifest (the plugin
 * infers the targets from it), plus a README. The user profile (files/) adds a host test;
 * the kernel profile (files-kernel/) is an out-of-tree Linux module instead: helpers over
 * the tree's headers, C module glue that checks every value Rust computes, and the lines the
 * VM test expects. Runs `init` too, so nx.json registers the plugin, and updates the IDE files
 * (ide-sync). On any invalid option it throws before writing anything.
 */
export async function driverGenerator(tree: Tree, rawOptions: Partial<DriverGeneratorSchema>): Promise<GeneratorCallback> {
  const options = await normalizeDriverOptions(tree, rawOptions);
  await initGenerator(tree, { skipFormat: true });
  const { name, crate, directory, helpers, libs, rustCrates, profile } = options;
  const kernel = profile === 'kernel';
  generateFiles(tree, join(__dirname, kernel ? 'files-kernel' : 'files'), directory, {
    crate,
    name,
    directory,
    helpers,
    libs,
    rustCrates,
    profile,
    guard: `${crate.toUpperCase()}_DRIVER_H`,
    ...(kernel ? { kernel: kernelTemplate(helpers) } : {}),
  });
  await updateIdeFiles(tree);
  if (!options.skipFormat) await formatFiles(tree);
  return () => {
    const built = `nx build ${name} (writes dist/${directory}/inline-report.json)`;
    logger.info(
      kernel
        ? `Kernel driver '${name}' created in ${directory}. Next: ${built}, nx run ${name}:module (dist/${directory}/${crate}.ko), then nx test ${name} (loads it in QEMU).`
        : `Driver '${name}' created in ${directory}. Next: ${built}, then nx test ${name}.`,
    );
  };
}

export default driverGenerator;
