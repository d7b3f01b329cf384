/** A kernel module's default name: the project name with '-' replaced by '_', as kbuild names `<name>.ko`. */
export function defaultModuleName(projectName: string): string {
  return projectName.replace(/-/g, '_');
}
