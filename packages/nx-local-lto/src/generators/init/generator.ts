import { formatFiles, NxJsonConfiguration, readNxJson, Tree, updateNxJson, writeJson } from '@nx/devkit';
import { isDeepStrictEqual } from 'node:util';
import { validateOptions } from '../../options/validate-options';
import { InitGeneratorSchema } from './schema';
import schema from './schema.json';

/** The package name Nx loads the plugin by. */
export const PLUGIN_NAME = 'nx-local-lto';
/** Named input that lists the environment variables choosing the toolchain and its flags. */
export const TOOLCHAIN_NAMED_INPUT = 'localLtoToolchain';
export const TOOLCHAIN_ENV = ['LOCAL_LTO_RUSTC', 'LOCAL_LTO_CLANG', 'LOCAL_LTO_LLVM_LINK', 'LOCAL_LTO_LD', 'RUSTFLAGS'] as const;
/** The global sync generator that keeps compile_commands.json and rust-project.json current (`nx sync`). */
export const IDE_SYNC_GENERATOR = 'nx-local-lto:ide-sync';

type PluginEntry = NonNullable<NxJsonConfiguration['plugins']>[number];

function isThisPlugin(entry: PluginEntry): boolean {
  return typeof entry === 'string' ? entry === PLUGIN_NAME : entry?.plugin === PLUGIN_NAME;
}

/**
 * Edits `nx` (in place) so the plugin is registered, `build` is cached, the toolchain
 * named input exists and `nx sync` runs the IDE sync generator. Only adds what is missing: a user's own settings are kept. No
 * `dependsOn` for build: inferred targets carry their own, and a target default would
 * replace it.
 */
export function addLocalLtoSettings(nx: NxJsonConfiguration): void {
  nx.plugins ??= [];
  if (!nx.plugins.some(isThisPlugin)) nx.plugins.push(PLUGIN_NAME);

  nx.targetDefaults ??= {};
  const build = (nx.targetDefaults.build ??= {});
  build.cache ??= true;

  nx.namedInputs ??= {};
  const toolchain = (nx.namedInputs[TOOLCHAIN_NAMED_INPUT] ??= []);
  for (const env of TOOLCHAIN_ENV) {
    if (!toolchain.some((input) => typeof input === 'object' && input !== null && 'env' in input && input.env === env)) {
      toolchain.push({ env });
    }
  }

  nx.sync ??= {};
  const globalGenerators = (nx.sync.globalGenerators ??= []);
  if (!globalGenerators.includes(IDE_SYNC_GENERATOR)) globalGenerators.push(IDE_SYNC_GENERATOR);
}

/** `nx g nx-local-lto:init`: registers the plugin (and its IDE sync generator) in nx.json. Idempotent. */
export async function initGenerator(tree: Tree, rawOptions: Partial<InitGeneratorSchema> = {}): Promise<void> {
  const options = validateOptions<InitGeneratorSchema>(schema, rawOptions);
  const before: NxJsonConfiguration = readNxJson(tree) ?? {};
  const after = structuredClone(before);
  addLocalLtoSettings(after);
  if (!tree.exists('nx.json')) writeJson(tree, 'nx.json', after);
  else if (!isDeepStrictEqual(before, after)) updateNxJson(tree, after);
  if (!options.skipFormat) await formatFiles(tree);
}

export default initGenerator;
