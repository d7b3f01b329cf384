import { join } from 'node:path';

/** Default bitcode path of a crate: dist/<projectRoot>/rust/<crateName>.bc. */
export function defaultRustBitcodePath(projectRoot: string, crateName: string): string {
  return join('dist', projectRoot, 'rust', `${crateName}.bc`);
}
