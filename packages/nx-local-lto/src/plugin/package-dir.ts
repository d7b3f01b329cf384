import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';

/** The plugin package's folder (package.json, bin/, runtime/). */
export const PACKAGE_DIR = join(__dirname, '..', '..');

/**
 * The plugin's folder as the workspace sees it, workspace-relative: where the plugin is when
 * that is inside the workspace, else `node_modules/nx-local-lto` (a linked plugin), so targets,
 * outputs and their paths do not depend on where the plugin's files really are.
 */
export function packageDirIn(workspaceRoot: string): string {
  const real = relative(realpathSync(workspaceRoot), realpathSync(PACKAGE_DIR));
  if (!real.startsWith('..') && !isAbsolute(real)) return real;
  const linked = join('node_modules', 'nx-local-lto');
  return existsSync(join(workspaceRoot, linked)) ? linked : relative(workspaceRoot, PACKAGE_DIR);
}
