import { CreateNodesContextV2, CreateNodesResultV2, CreateNodesV2, logger, parseJson, TargetConfiguration } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { memoKey, readMemo, replayWarnings, withWarnings, writeMemo } from './inference-memo';
import { libraryClosure, Manifest, MANIFEST_FILE, normalizeManifest } from './manifest';
import { withCargo } from './cargo';
import { inferenceFacts } from './inference-facts';
import { InferenceFacts, inferTargets } from './targets';
import { toolPathsOf, withToolPaths } from './tool-identity';
import { asCommandTarget, InferredTargets } from './command-targets';

/** Plugin option `inferredTargets` (nx.json): 'commands' (default) or 'executors'; anything else is named and ignored. */
function inferredTargetsOption(options: unknown): InferredTargets {
  const value = (options as { inferredTargets?: unknown } | null | undefined)?.inferredTargets;
  if (value === undefined || value === 'commands' || value === 'executors') return (value as InferredTargets | undefined) ?? 'commands';
  logger.warn(`nx-local-lto: plugin option 'inferredTargets' is ${JSON.stringify(value)} in nx.json; accepted values: commands, executors (using commands)`);
  return 'commands';
}

/** A file's text, or the error reading it. */
function readText(path: string): string | Error {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    return e as Error;
  }
}

/** A file's text, or undefined when it cannot be read (a Cargo.toml a path dependency names but that is not there). */
function readIfExists(path: string): string | undefined {
  const text = readText(path);
  return text instanceof Error ? undefined : text;
}

/** What inference reads for one manifest: its text and the project.json beside it. */
interface ManifestSource {
  file: string;
  manifest: string | Error;
  projectJson?: string | Error;
}

/**
 * Reads each file once, so the memo key and inference share one read. Most projects have no
 * project.json: existsSync says so without the cost of a thrown ENOENT.
 */
function readSources(files: readonly string[], workspaceRoot: string, withProjectJson: boolean): ManifestSource[] {
  return files.map((file) => {
    const projectJson = join(workspaceRoot, dirname(file), 'project.json');
    return {
      file,
      manifest: readText(join(workspaceRoot, file)),
      ...(withProjectJson && existsSync(projectJson) ? { projectJson: readText(projectJson) } : {}),
    };
  });
}

/** A file's text in the memo key; a file that could not be read, by why (missing is not empty). */
const keyPart = (text: string | Error | undefined) => (text === undefined ? '!' : text instanceof Error ? `!${(text as NodeJS.ErrnoException).code ?? text.message}` : `=${text}`);

/** As @nx/devkit's readJsonFile: Nx's JSON parser, the message naming the file. */
function parseJsonText(text: string | Error, path: string): unknown {
  if (text instanceof Error) throw text;
  try {
    return parseJson(text);
  } catch (e) {
    (e as Error).message = (e as Error).message.replace('JSON', path);
    throw e;
  }
}

function parseManifests(sources: readonly ManifestSource[], workspaceRoot: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const { file, manifest } of sources) {
    try {
      const normalized = normalizeManifest(file, parseJsonText(manifest, join(workspaceRoot, file)) as Parameters<typeof normalizeManifest>[1]);
      manifests.push(withCargo(normalized, workspaceRoot, (p) => existsSync(join(workspaceRoot, p)), (p) => readIfExists(join(workspaceRoot, p))));
    } catch (e) {
      const message = (e as Error).message.split('\n')[0];
      // Schema errors name the file first, as do those of a Cargo.toml beside it; a JSON syntax error does not.
      const named = message.startsWith(`${file}:`) || message.startsWith(`${dirname(file)}/`);
      logger.warn(`nx-local-lto: ${named ? message : `${file}: ${message}`} (no project is inferred from ${dirname(file)} until fixed)`);
    }
  }
  return manifests;
}

/** Reads and normalizes every manifest; one that does not parse is skipped with a warning. */
export function readManifests(files: readonly string[], workspaceRoot: string): Manifest[] {
  return parseManifests(readSources(files, workspaceRoot, false), workspaceRoot);
}

/**
 * The inferred targets with their tool identity inputs following the tool paths that the
 * project's project.json sets in each target's options (option > env > PATH in discovery).
 */
function withProjectJsonToolPaths(projectJson: string | Error | undefined, targets: Record<string, TargetConfiguration>): Record<string, TargetConfiguration> {
  if (projectJson === undefined || projectJson instanceof Error) return targets;
  let declared: Record<string, { options?: unknown }> = {};
  try {
    declared = (parseJson(projectJson) as { targets?: typeof declared }).targets ?? {};
  } catch {
    return targets; // Nx itself reports a project.json that does not parse
  }
  return Object.fromEntries(Object.entries(targets).map(([name, t]) => [name, withToolPaths(t, toolPathsOf(declared[name]?.options))]));
}

/** The machine facts in the memo key: a different toolchain or kernel tree infers again. */
function factsKey(facts: InferenceFacts, manifests: readonly Manifest[]): string {
  const kernels = [...new Set(manifests.map((m) => m.kernelDir))].map((dir) => [dir ?? null, facts.kernel(dir) ?? null]);
  // Cargo facts come from files beside the manifests (Cargo.toml, Cargo.lock) and the runtime's C files.
  const cargo = manifests.filter((m) => m.runtime).map((m) => [m.root, m.cargo ?? null, m.runtime]);
  return JSON.stringify({ workspaceRoot: facts.workspaceRoot, toolchain: facts.toolchain ?? null, kernels, cargo }, (_k, v) => (v instanceof Map ? [...v] : v));
}

/** Target names a project.json declares: those stay executor targets, which take the options it sets. */
function declaredTargets(projectJson: string | Error | undefined): Set<string> {
  if (projectJson === undefined || projectJson instanceof Error) return new Set();
  try {
    return new Set(Object.keys((parseJson(projectJson) as { targets?: object }).targets ?? {}));
  } catch {
    return new Set();
  }
}

/** The inferred targets in the shape the plugin option `inferredTargets` asks for (default: commands). */
function shaped(targets: Record<string, TargetConfiguration>, m: Manifest, projectJson: string | Error | undefined, shape: InferredTargets, facts: InferenceFacts): Record<string, TargetConfiguration> {
  if (shape === 'executors') return targets;
  const declared = declaredTargets(projectJson);
  return Object.fromEntries(Object.entries(targets).map(([name, t]) => [name, declared.has(name) ? t : asCommandTarget(t, m, name, facts)]));
}

function inferProjects(manifests: readonly Manifest[], sources: readonly ManifestSource[], facts: InferenceFacts, shape: InferredTargets): CreateNodesResultV2 {
  const byName = new Map(manifests.map((m) => [m.name, m]));
  const projectJsonOf = new Map(sources.map((s) => [dirname(s.file), s.projectJson]));
  return manifests.map((m) => {
    const libs = libraryClosure(m, byName, (lib) => logger.warn(`nx-local-lto: ${m.root}/${MANIFEST_FILE} uses library '${lib}', which no ${MANIFEST_FILE} defines`));
    const file = join(m.root, MANIFEST_FILE);
    const projectJson = projectJsonOf.get(m.root);
    const targets = withProjectJsonToolPaths(projectJson, shaped(inferTargets(m, libs, facts), m, projectJson, shape, facts));
    return [file, { projects: { [m.root]: { name: m.name, targets, metadata: { technologies: ['rust', 'c', 'llvm'] } } } }] as const;
  });
}

/**
 * Infers one project per `local-lto.json`: drivers get `rust-bc`, `clang-bc`, `build`
 * (and `test` with a host test program); libraries get `build`. Targets in a project's
 * project.json override these. All manifests are read together so a driver's targets
 * can name its libraries' include folders and bitcode. The result is memoized in the
 * workspace data folder by the manifests' and project.json files' texts and the options.
 */
export const createNodesV2: CreateNodesV2 = [
  `**/${MANIFEST_FILE}`,
  async (files: readonly string[], options: unknown, context: CreateNodesContextV2): Promise<CreateNodesResultV2> => {
    const sources = readSources(files, context.workspaceRoot, true);
    const manifests = parseManifests(sources, context.workspaceRoot);
    const facts = await inferenceFacts(manifests, context.workspaceRoot);
    const key = memoKey(module, [JSON.stringify(options ?? null), factsKey(facts, manifests), ...sources.flatMap((s) => [s.file, keyPart(s.manifest), keyPart(s.projectJson)])]);
    const memo = readMemo<CreateNodesResultV2>(context.workspaceRoot, key);
    if (memo) {
      replayWarnings(memo);
      return memo.value;
    }
    const computed = withWarnings(() => inferProjects(manifests, sources, facts, inferredTargetsOption(options)));
    // Written after Nx has the result: serializing it is then off the graph's critical path.
    setImmediate(() => writeMemo(context.workspaceRoot, key, computed));
    return computed.value;
  },
];
