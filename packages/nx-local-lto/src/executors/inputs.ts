import { ExecutorContext } from '@nx/devkit';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { LocalLtoError } from '../errors';

/** The running project's root folder, relative to the workspace root. */
export function projectRootOf(context: ExecutorContext): string {
  const name = context.projectName;
  const root = name ? context.projectsConfigurations?.projects[name]?.root : undefined;
  if (root === undefined) throw new LocalLtoError(`project '${name}' is not in the workspace's project configuration`);
  return root;
}

/** The `project:target` whose declared outputs hold `path` (workspace-relative), if any. */
export function producerOf(context: ExecutorContext, path: string): string | undefined {
  const wanted = normalize(path);
  for (const [name, project] of Object.entries(context.projectsConfigurations?.projects ?? {})) {
    for (const [target, config] of Object.entries(project.targets ?? {})) {
      for (const output of config.outputs ?? []) {
        const out = normalize(output.replace('{workspaceRoot}/', '').replace('{projectRoot}', project.root).replace('{projectName}', name));
        if (wanted === out || wanted.startsWith(`${out}/`)) return `${name}:${target}`;
      }
    }
  }
  return undefined;
}

/** What an input option must name: a file (the default) or a folder. */
export type InputKind = 'file' | 'dir';

/**
 * Checks that each `[option, path, kind]` names an existing, readable file (or folder, for
 * kind 'dir'), paths relative to the workspace root. Throws LocalLtoError naming the option,
 * the path and the fix, before any tool runs.
 */
export function assertInputsExist(workspaceRoot: string, inputs: ReadonlyArray<readonly [string, string, InputKind?]>, context?: ExecutorContext): void {
  for (const [option, path, kind = 'file'] of inputs) {
    const full = isAbsolute(path) ? path : join(workspaceRoot, path);
    const fail = (what: string) => {
      throw new LocalLtoError(`option '${option}' names ${path}, which ${what}`);
    };
    if (!existsSync(full)) {
      const producer = context && producerOf(context, path);
      fail(producer ? `does not exist; it is an output of ${producer}: build that first (nx run ${producer})` : 'does not exist; fix the path in the project\'s configuration or build what produces it first');
    }
    const isDir = statSync(full).isDirectory();
    if (kind === 'file' && isDir) fail('is a folder, not a file; name the file in the project\'s configuration');
    if (kind === 'dir' && !isDir) fail('is a file, not a folder; name the folder in the project\'s configuration');
    try {
      accessSync(full, constants.R_OK);
    } catch (e) {
      fail(`cannot be read (${(e as NodeJS.ErrnoException).code}); fix its permissions`);
    }
  }
}
