import { dirname, relative } from 'node:path';

/** The parts of `cargo metadata --format-version 1` this plugin reads. */
export interface CargoMetadata {
  packages: Array<{ id: string; name: string; edition: string; manifest_path: string; targets: Array<{ kind: string[]; name: string; src_path: string }> }>;
  workspace_members: string[];
  resolve: { nodes: Array<{ id: string; features: string[]; deps: Array<{ name: string; pkg: string; dep_kinds: Array<{ kind: string | null }> }> }> } | null;
}

/** One library crate of a cargo resolve, for rust-project.json: deps by package id and crate name. */
export interface CargoCrate {
  id: string;
  displayName: string;
  rootModule: string;
  edition: string;
  cfg: string[];
  isWorkspaceMember: boolean;
  /** The package folder (registry source folder for crates.io dependencies). */
  sourceDir: string;
  deps: Array<{ id: string; name: string }>;
}

/**
 * The library crates of a cargo resolve (the driver, its crates.io dependencies at their
 * registry source paths, path dependencies such as local-lto-rt) with their enabled
 * features as cfgs and their normal dependencies. Workspace members' paths are made
 * workspace-relative like the other crates of rust-project.json.
 */
export function cargoCrates(meta: CargoMetadata, workspaceRoot: string): CargoCrate[] {
  const nodes = new Map((meta.resolve?.nodes ?? []).map((n) => [n.id, n]));
  const members = new Set(meta.workspace_members);
  const crates: CargoCrate[] = [];
  for (const pkg of meta.packages) {
    const lib = pkg.targets.find((t) => t.kind.some((k) => k === 'lib' || k === 'rlib' || k === 'staticlib' || k === 'proc-macro'));
    const node = nodes.get(pkg.id);
    if (!lib || !node) continue;
    const member = members.has(pkg.id);
    const path = (p: string) => (member ? relative(workspaceRoot, p) : p);
    crates.push({
      id: pkg.id,
      displayName: lib.name.replace(/-/g, '_'),
      rootModule: path(lib.src_path),
      edition: pkg.edition,
      cfg: node.features.map((f) => `feature="${f}"`),
      isWorkspaceMember: member,
      sourceDir: path(dirname(pkg.manifest_path)),
      deps: node.deps.filter((d) => d.dep_kinds.some((k) => k.kind === null)).map((d) => ({ id: d.pkg, name: d.name })),
    });
  }
  return crates;
}
