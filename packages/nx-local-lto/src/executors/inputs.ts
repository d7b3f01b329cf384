import { ExecutorContext } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { LocalLtoError } from '../errors';

/** The running project's root folder, relative to the workspace root. */
export function projectRootOf(context: ExecutorContext): string {
  const name = context.projectName;
  const root = name ? context.projectsConfigurations?.projects[name]?.root : undefined;
  if (root === undefined) throw new LocalLtoError(`project '${name}' is not in the workspace's project configuration`);
  return root;
}

/**
 * Checks that each `[option, path]` names an existing file or folder (paths relative to
 * the workspace root). Throws LocalLtoError naming the option, the path and the fix.
 */
export function assertInputsExist(workspaceRoot: string, inputs: ReadonlyArray<[string, string]>): void {
  for (const [option, path] of inputs) {
    const full = isAbsolute(path) ? path : join(workspaceRoot, path);
    if (!existsSync(full)) {
      throw new LocalLtoError(`option '${option}' names ${path}, which does not exist; fix the path in the project's configuration or build what produces it first`);
    }
  }
}
