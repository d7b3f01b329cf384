import { join } from 'node:path';

/** Default bitcode path of a crate: dist/<projectRoot>/rust/<crateName>.bc. */
export function defaultRustBitcodePath(projectRoot: string, crateName: string): string {
  return join('dist', projectRoot, 'rust', `${crateName}.bc`);
}

/** Default crate name of a project: its name with '-' replaced by '_'. */
export function defaultCrateName(projectName: string): string {
  return projectName.replace(/-/g, '_');
}

/** What rust-bc writes (workspace-relative): the bitcode, rustc's dep-info beside it, and the `.rmeta` when asked. */
export function rustOutputPaths(options: { outputPath?: string; crateName?: string; emitMetadata?: boolean }, projectRoot: string, projectName: string) {
  const crateName = options.crateName ?? defaultCrateName(projectName);
  const bitcode = options.outputPath ?? defaultRustBitcodePath(projectRoot, crateName);
  return {
    crateName,
    bitcode,
    depInfo: bitcode.replace(/\.bc$/, '') + '.d',
    metadata: options.emitMetadata ? join(bitcode, '..', `lib${crateName}.rmeta`) : undefined,
  };
}
