import { Tree } from '@nx/devkit';
import { compileCommands } from '../../ide/compile-commands';
import { CargoCrate, cargoCrates } from '../../ide/cargo-crates';
import { IdeProject, readIdeProjects, targetsRunning } from '../../ide/projects';
import { cargoMetadataArgs } from '../../pipeline/cargo-commands';
import { runTool } from '../../process/run-tool';
import { findSysrootSource, rustProject } from '../../ide/rust-project';
import { validateOptions } from '../../options/validate-options';
import { resolveRustc } from '../../toolchain/discover';
import { IDE_SYNC_GENERATOR } from '../init/generator';
import { IdeSyncGeneratorSchema } from './schema';
import schema from './schema.json';

/** The files it writes, at the workspace root. */
export const COMPILE_COMMANDS_FILE = 'compile_commands.json';
export const RUST_PROJECT_FILE = 'rust-project.json';

/** What a sync generator returns to `nx sync` / `nx sync:check` (nx's SyncGeneratorResult, which @nx/devkit does not export). */
export interface SyncResult {
  outOfSyncMessage?: string;
  outOfSyncDetails?: string[];
}

const serialize = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * The crates of every Cargo-based driver (`nx-local-lto:cargo-bc` targets), from
 * `cargo metadata` with the lock file, offline (scripts/setup.sh or a first build fetched them).
 */
async function cargoProjectCrates(projects: readonly IdeProject[], workspaceRoot: string): Promise<CargoCrate[]> {
  const crates: CargoCrate[] = [];
  for (const project of projects) {
    for (const [, target] of targetsRunning(project, 'nx-local-lto:cargo-bc')) {
      const manifestPath = (target.options as { manifestPath?: string } | undefined)?.manifestPath;
      if (!manifestPath) continue;
      const { stdout } = await runTool(process.env.CARGO ?? 'cargo', cargoMetadataArgs(manifestPath), { cwd: workspaceRoot, verbose: false });
      crates.push(...cargoCrates(JSON.parse(stdout), workspaceRoot));
    }
  }
  return crates;
}

/**
 * Writes compile_commands.json and rust-project.json for the tree's projects, each only
 * when its content changes. Returns the files whose content changed. Needs the toolchain
 * (rustc for the triple and sysroot, clang of rustc's LLVM major): throws a LocalLtoError
 * naming what is missing.
 */
export async function writeIdeFiles(tree: Tree): Promise<string[]> {
  const projects = await readIdeProjects(tree);
  const rustc = await resolveRustc({});
  const files: Array<[string, unknown]> = [
    [COMPILE_COMMANDS_FILE, await compileCommands(projects, tree.root)],
    [RUST_PROJECT_FILE, rustProject(projects, rustc, findSysrootSource(rustc), tree.root, await cargoProjectCrates(projects, tree.root))],
  ];
  const changed: string[] = [];
  for (const [file, value] of files) {
    const text = serialize(value);
    if (tree.read(file, 'utf-8') === text) continue;
    tree.write(file, text);
    changed.push(file);
  }
  return changed;
}

/**
 * `nx-local-lto:ide-sync`: a global sync generator (init lists it in nx.json
 * `sync.globalGenerators`). `nx sync` writes the IDE files; `nx sync:check` fails with
 * the message below when they are missing or differ from what the manifests, project.json
 * targets and toolchain give now. Also runnable as `nx g nx-local-lto:ide-sync`.
 */
export async function ideSyncGenerator(tree: Tree, rawOptions: Partial<IdeSyncGeneratorSchema> = {}): Promise<SyncResult> {
  validateOptions<IdeSyncGeneratorSchema>(schema, rawOptions);
  const changed = await writeIdeFiles(tree);
  if (changed.length === 0) return {};
  return {
    outOfSyncMessage: `${changed.join(' and ')} ${changed.length > 1 ? 'do' : 'does'} not match the local-lto.json projects and the toolchain (clangd and rust-analyzer would use stale flags or miss crates)`,
    outOfSyncDetails: changed.map((f) => `${f}: written by ${IDE_SYNC_GENERATOR}`),
  };
}

export default ideSyncGenerator;
