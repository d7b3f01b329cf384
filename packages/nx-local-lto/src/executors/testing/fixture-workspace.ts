/**
 * Test helper: a throw-away Nx workspace holding the inputs of one shared case
 * (`<repo>/../shared/cases/<case>/`), and the ExecutorContext the executors get from Nx.
 * Used by integration tests that run the real executors and the real LLVM tools.
 */
import type { ExecutorContext } from '@nx/devkit';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

/** The git checkout this file lives in (packages/nx-local-lto/src/executors/testing -> repo). */
export const repoRoot = resolve(__dirname, '..', '..', '..', '..', '..');

/** The shared cases folder, which CI checks out beside the clone. Throws if it is absent. */
export function casesDir(): string {
  const dir = join(repoRoot, '..', 'shared', 'cases');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(
      `The shared cases folder ${dir} does not exist. These integration tests need the 'shared/' folder ` +
        `checked out beside the repository (${repoRoot}); see shared/cases/README.md.`,
    );
  }
  return dir;
}

/** The folder of one case, e.g. `01-lto-mode-mismatch` (or its number prefix `01`). */
export function caseDir(name: string): string {
  const dir = casesDir();
  const match = readdirSync(dir).find((d) => d === name || d.startsWith(`${name}-`));
  if (!match) throw new Error(`case '${name}' is not in ${dir} (have: ${readdirSync(dir).join(', ')})`);
  return join(dir, match);
}

export interface FixtureWorkspace {
  /** Absolute workspace root (a fresh temporary folder). */
  root: string;
  /** Project root of the driver project, relative to `root`. */
  projectRoot: string;
  /** Context as Nx passes it to an executor of project `drv`, target `build`. */
  context: ExecutorContext;
  /** Absolute path of a workspace-relative path. */
  abs(relative: string): string;
  /** Removes the workspace. */
  dispose(): void;
}

/**
 * Creates a temporary workspace and copies the case's input files (everything but
 * README.md) into its project folder `drv/`.
 */
export function createFixtureWorkspace(caseName: string, projectRoot = 'drv'): FixtureWorkspace {
  const source = caseDir(caseName);
  const root = mkdtempSync(join(tmpdir(), `local-lto-case-${caseName}-`));
  mkdirSync(join(root, projectRoot), { recursive: true });
  for (const f of readdirSync(source)) {
    if (f === 'README.md' || !statSync(join(source, f)).isFile()) continue;
    copyFileSync(join(source, f), join(root, projectRoot, f));
  }
  const context = {
    root,
    cwd: root,
    isVerbose: false,
    projectName: 'drv',
    targetName: 'build',
    projectsConfigurations: { version: 2, projects: { drv: { root: projectRoot } } },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
  } as any as ExecutorContext;
  return {
    root,
    projectRoot,
    context,
    abs: (relative) => join(root, relative),
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Every file under `dir`, as sorted paths relative to it; none when `dir` does not exist. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; name: string; parentPath?: string; path?: string }>)
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path ?? dir, e.name)))
    .sort();
}
