import { join } from 'node:path';
import { BINDINGS_FILES } from '../../pipeline/bindgen-commands';

/** Default folder of a project's bindings: dist/<projectRoot>/bindings. */
export function defaultBindingsDir(projectRoot: string): string {
  return join('dist', projectRoot, 'bindings');
}

/** The four files the bindgen target writes into `dir`. */
export function bindingsPaths(dir: string): Record<keyof typeof BINDINGS_FILES, string> {
  return {
    rust: join(dir, BINDINGS_FILES.rust),
    umbrella: join(dir, BINDINGS_FILES.umbrella),
    wrappers: join(dir, BINDINGS_FILES.wrappers),
    unit: join(dir, BINDINGS_FILES.unit),
  };
}
