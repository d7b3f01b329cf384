import { CreateDependencies, DependencyType, ProjectConfiguration, RawProjectGraphDependency } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readManifests } from './create-nodes';
import { MANIFEST_FILE } from './manifest';

/**
 * The project a workspace-relative path belongs to: the one whose root is the nearest folder
 * above it (a root project, root '.', holds only what no other project holds). `byRoot`
 * maps project roots to projects.
 */
export function projectHolding(path: string, byRoot: ReadonlyMap<string, ProjectConfiguration>): ProjectConfiguration | undefined {
  for (let dir = path; ; dir = dirname(dir)) {
    const p = byRoot.get(dir);
    if (p) return p;
    if (dir === '.' || dir === dirname(dir)) return undefined;
  }
}

const isRootProject = (p: ProjectConfiguration) => p.root === '.' || p.root === '';

/**
 * Static graph edges, with the file that declares each as its source file, so `nx affected`
 * and `dependsOn: ^build` follow them:
 * - from each project to every library its manifest lists in `libs` (driver -> rust-crate ->
 *   c-library), source local-lto.json;
 * - from a Cargo-based driver (and from each project holding a crate it reaches) to the
 *   project holding each crate a Cargo `path` dependency names, source that Cargo.toml. A
 *   crate in no project counts as part of the driver, so edges past it still start there.
 */
export const createDependencies: CreateDependencies = (_options, context) => {
  const projects = Object.values(context.projects);
  const names = new Set(projects.map((p) => p.name));
  const byRoot = new Map(projects.map((p) => [isRootProject(p) ? '.' : p.root, p]));
  const deps: RawProjectGraphDependency[] = [];
  const seen = new Set<string>();
  const add = (source: string, target: string, sourceFile: string) => {
    const key = `${source}\0${target}`;
    if (source === target || seen.has(key)) return;
    seen.add(key);
    deps.push({ source, target, type: DependencyType.static, sourceFile });
  };
  for (const project of projects) {
    const file = join(project.root, MANIFEST_FILE);
    if (!project.name || !existsSync(join(context.workspaceRoot, file))) continue;
    for (const manifest of readManifests([file], context.workspaceRoot)) {
      for (const lib of manifest.libs) {
        if (names.has(lib)) add(project.name, lib, file);
      }
      for (const dep of manifest.cargo?.pathDeps ?? []) {
        const holder = projectHolding(dep.dir, byRoot);
        const declaring = projectHolding(dep.declaredIn, byRoot);
        // A crate outside every project (or in the root project) speaks for the driver that reaches it.
        const [source, sourceFile] = declaring?.name && !isRootProject(declaring) ? [declaring.name, dep.declaredIn] : [project.name, join(project.root, manifest.cargo!.manifest)];
        if (holder?.name && !isRootProject(holder)) add(source, holder.name, sourceFile);
      }
    }
  }
  return deps;
};
