import { CreateDependencies, DependencyType, RawProjectGraphDependency } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readManifests } from './create-nodes';
import { MANIFEST_FILE } from './manifest';

/**
 * A static graph edge from each project to every library its manifest lists in `libs`
 * (driver -> rust-crate -> c-library), with the manifest as the source file, so
 * `nx affected` follows a library change to the drivers that use it.
 */
export const createDependencies: CreateDependencies = (_options, context) => {
  const projects = Object.values(context.projects);
  const names = new Set(projects.map((p) => p.name));
  const deps: RawProjectGraphDependency[] = [];
  for (const project of projects) {
    const file = join(project.root, MANIFEST_FILE);
    if (!project.name || !existsSync(join(context.workspaceRoot, file))) continue;
    for (const manifest of readManifests([file], context.workspaceRoot)) {
      for (const lib of manifest.libs) {
        if (names.has(lib)) deps.push({ source: project.name, target: lib, type: DependencyType.static, sourceFile: file });
      }
    }
  }
  return deps;
};
