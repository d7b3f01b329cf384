import { CreateNodesContextV2, CreateNodesResultV2, CreateNodesV2, logger, readJsonFile, TargetConfiguration } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { libraryClosure, Manifest, MANIFEST_FILE, normalizeManifest } from './manifest';
import { withCargo } from './cargo';
import { inferTargets } from './targets';
import { toolPathsOf, withToolPaths } from './tool-identity';

/** Reads and normalizes every manifest; one that does not parse is skipped with a warning. */
export function readManifests(files: readonly string[], workspaceRoot: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const file of files) {
    try {
      manifests.push(withCargo(normalizeManifest(file, readJsonFile(join(workspaceRoot, file))), workspaceRoot, (p) => existsSync(join(workspaceRoot, p))));
    } catch (e) {
      logger.warn(`nx-local-lto: ignoring ${file}: ${(e as Error).message}`);
    }
  }
  return manifests;
}

/**
 * The inferred targets with their tool identity inputs following the tool paths that the
 * project's project.json sets in each target's options (option > env > PATH in discovery).
 */
function withProjectJsonToolPaths(workspaceRoot: string, root: string, targets: Record<string, TargetConfiguration>): Record<string, TargetConfiguration> {
  const file = join(workspaceRoot, root, 'project.json');
  if (!existsSync(file)) return targets;
  let declared: Record<string, { options?: unknown }> = {};
  try {
    declared = readJsonFile(file).targets ?? {};
  } catch {
    return targets; // Nx itself reports a project.json that does not parse
  }
  return Object.fromEntries(Object.entries(targets).map(([name, t]) => [name, withToolPaths(t, toolPathsOf(declared[name]?.options))]));
}

/**
 * Infers one project per `local-lto.json`: drivers get `rust-bc`, `clang-bc`, `build`
 * (and `test` with a host test program); libraries get `build`. Targets in a project's
 * project.json override these. All manifests are read together so a driver's targets
 * can name its libraries' include folders and bitcode.
 */
export const createNodesV2: CreateNodesV2 = [
  `**/${MANIFEST_FILE}`,
  async (files: readonly string[], _options: unknown, context: CreateNodesContextV2): Promise<CreateNodesResultV2> => {
    const manifests = readManifests(files, context.workspaceRoot);
    const byName = new Map(manifests.map((m) => [m.name, m]));
    return manifests.map((m) => {
      const libs = libraryClosure(m, byName, (lib) => logger.warn(`nx-local-lto: ${m.root}/${MANIFEST_FILE} uses library '${lib}', which no ${MANIFEST_FILE} defines`));
      const file = join(m.root, MANIFEST_FILE);
      return [file, { projects: { [m.root]: { name: m.name, targets: withProjectJsonToolPaths(context.workspaceRoot, m.root, inferTargets(m, libs)), metadata: { technologies: ['rust', 'c', 'llvm'] } } } }] as const;
    });
  },
];
