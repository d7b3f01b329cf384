import { join, relative } from 'node:path';
import { LocalLtoError } from '../../errors';

/** Default bitcode folder of a project's C files: dist/<projectRoot>/c. */
export function defaultCBitcodeDir(projectRoot: string): string {
  return join('dist', projectRoot, 'c');
}

/**
 * Where clang-bc writes the bitcode of `source` (workspace-relative, inside `projectRoot`):
 * `<outputDir>/<path below projectRoot>` with `.c` replaced by `.bc`. Throws LocalLtoError
 * for a source outside the project.
 */
export function cBitcodePath(outputDir: string, projectRoot: string, source: string): string {
  const below = relative(projectRoot, source);
  if (below.startsWith('..') || below === '') {
    throw new LocalLtoError(`option 'sources' names ${source}, which is outside the project folder ${projectRoot}; move it into the project or build it in its own library project`);
  }
  return join(outputDir, below.replace(/\.[^./]+$/, '') + '.bc');
}
