import { getProjects, globAsync, logger, readJson, TargetConfiguration, Tree } from '@nx/devkit';
import { libraryClosure, Manifest, MANIFEST_FILE, normalizeManifest } from '../plugin/manifest';
import { withCargo } from '../plugin/cargo';
import { inferTargets } from '../plugin/targets';

/** A project as the IDE files see it: its root, name and targets (inferred, then project.json). */
export interface IdeProject {
  name: string;
  root: string;
  targets: Record<string, TargetConfiguration>;
}

/** Reads every `local-lto.json` in the tree (sorted by path); one that does not parse is skipped with a warning, as the plugin does. */
async function readTreeManifests(tree: Tree): Promise<Manifest[]> {
  const manifests: Manifest[] = [];
  for (const file of (await globAsync(tree, [`**/${MANIFEST_FILE}`])).sort()) {
    try {
      manifests.push(withCargo(normalizeManifest(file, readJson(tree, file)), tree.root, (p) => tree.exists(p), (p) => tree.read(p, 'utf-8') ?? undefined));
    } catch (e) {
      logger.warn(`nx-local-lto: ignoring ${file}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return manifests;
}

/**
 * Nx's merge of a project.json target over an inferred one: the same executor (or none
 * named) merges the options, project.json winning; another executor replaces the target.
 */
function overlay(inferred: TargetConfiguration | undefined, explicit: TargetConfiguration | undefined): TargetConfiguration | undefined {
  if (!explicit) return inferred;
  if (!inferred || (explicit.executor && explicit.executor !== inferred.executor)) return explicit;
  return { ...inferred, ...explicit, executor: inferred.executor, options: { ...inferred.options, ...explicit.options } };
}

/**
 * The projects of the tree with the targets Nx would run: the targets the plugin infers
 * from each manifest (from the tree, so files a generator has not flushed yet count) with
 * the project.json beside it laid over them, and the targets of project.json projects
 * without a manifest. Sorted by root, so the files written from them are stable.
 */
export async function readIdeProjects(tree: Tree): Promise<IdeProject[]> {
  const manifests = await readTreeManifests(tree);
  const byName = new Map(manifests.map((m) => [m.name, m]));
  const configured = getProjects(tree);
  const byRoot = new Map([...configured.entries()].map(([name, config]) => [config.root, { name, targets: config.targets ?? {} }]));
  const projects: IdeProject[] = [];
  for (const m of manifests) {
    const inferred = inferTargets(m, libraryClosure(m, byName, () => undefined));
    const explicit = byRoot.get(m.root)?.targets ?? {};
    byRoot.delete(m.root);
    const targets: Record<string, TargetConfiguration> = {};
    for (const name of new Set([...Object.keys(inferred), ...Object.keys(explicit)])) {
      const target = overlay(inferred[name], explicit[name]);
      if (target) targets[name] = target;
    }
    projects.push({ name: m.name, root: m.root, targets });
  }
  for (const [root, { name, targets }] of byRoot) projects.push({ name, root, targets });
  return projects.sort((a, b) => (a.root < b.root ? -1 : a.root > b.root ? 1 : 0));
}

/** The targets of `project` that run `executor` (`nx-local-lto:clang-bc`, ...), by name. */
export function targetsRunning(project: IdeProject, executor: string): Array<[string, TargetConfiguration]> {
  return Object.entries(project.targets).filter(([, t]) => t.executor === executor);
}
