import { join, relative } from 'node:path';
import { LocalLtoError } from '../../errors';

/** Default bitcode folder of a project's C files: dist/<projectRoot>/c. */
export function defaultCBitcodeDir(projectRoot: string): string {
  return join('dist', projectRoot, 'c');
}

/**
 * Where clang-bc writes the bitcode of `source` (workspace-relative, inside `projectRoot`,
 * or generated inside `dist/<projectRoot>`, as bindgen's wrappers are):
 * `<outputDir>/<path below that folder>` with `.c` replaced by `.bc`. Throws LocalLtoError
 * for a source outside both.
 */
export function cBitcodePath(outputDir: string, projectRoot: string, source: string): string {
  const inside = (dir: string) => {
    const below = relative(dir, source);
    return below.startsWith('..') || below === '' ? undefined : below;
  };
  const below = inside(join('dist', projectRoot)) ?? inside(projectRoot);
  if (below === undefined) {
    throw new LocalLtoError(`option 'sources' names ${source}, which is outside the project folder ${projectRoot}; move it into the project or build it in its own library project`);
  }
  return join(outputDir, below.replace(/\.[^./]+$/, '') + '.bc');
}
