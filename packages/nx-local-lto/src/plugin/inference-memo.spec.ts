import { CreateNodesContextV2, CreateNodesResultV2, logger } from '@nx/devkit';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createNodesV2 } from './create-nodes';
import { workspaceDataFolder } from './inference-memo';

/**
 * The memo of createNodesV2 in the workspace data folder: a second run over the same files
 * returns the stored result (shown by planting a marker in it) with the same warnings, and
 * any change to a manifest, a project.json beside one or the options infers again.
 */
describe('inference memo', () => {
  const root = mkdtempSync(join(tmpdir(), 'local-lto-memo-'));
  const data = join(root, 'data');
  const write = (file: string, value: unknown) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), typeof value === 'string' ? value : JSON.stringify(value));
  };
  write('libs/chelp/local-lto.json', { kind: 'c-library', sources: ['src/h.c'], includeDirs: ['include'] });
  write('drivers/d1/local-lto.json', { kind: 'driver', sources: ['helpers/d1.c'], libs: ['chelp', 'nope'] });
  const files = ['libs/chelp/local-lto.json', 'drivers/d1/local-lto.json'];
  const context = { workspaceRoot: root, nxJsonConfiguration: {} } as CreateNodesContextV2;
  const memoDir = join(data, 'nx-local-lto-inference');
  const saved = process.env.NX_WORKSPACE_DATA_DIRECTORY;
  let warnings: unknown[][] = [];
  let warn: typeof logger.warn;

  beforeAll(() => {
    process.env.NX_WORKSPACE_DATA_DIRECTORY = data;
    warn = logger.warn;
    logger.warn = (...args: unknown[]) => void warnings.push(args);
  });
  afterAll(() => {
    logger.warn = warn;
    if (saved === undefined) delete process.env.NX_WORKSPACE_DATA_DIRECTORY;
    else process.env.NX_WORKSPACE_DATA_DIRECTORY = saved;
  });

  const infer = async (options?: unknown) => {
    warnings = [];
    const results = await createNodesV2[1](files, options, context);
    await new Promise((written) => setImmediate(written)); // the memo is written just after
    return { results, warnings };
  };
  const targetsOf = (results: CreateNodesResultV2, root: string) => results.find(([f]) => f === `${root}/local-lto.json`)![1].projects![root].targets!;
  /** Marks the stored result so a run that returns it shows it came from the memo. */
  const plantMarker = () => {
    const [file] = readdirSync(memoDir);
    const memo = JSON.parse(readFileSync(join(memoDir, file), 'utf8'));
    memo.value[0][1].projects['libs/chelp'].targets.build.metadata.description = 'from the memo';
    writeFileSync(join(memoDir, file), JSON.stringify(memo));
  };
  const fromMemo = (results: CreateNodesResultV2) => targetsOf(results, 'libs/chelp').build.metadata?.description === 'from the memo';

  it('finds the data folder from NX_WORKSPACE_DATA_DIRECTORY, relative to the workspace root, else .nx/workspace-data', () => {
    expect(workspaceDataFolder('/ws', { NX_WORKSPACE_DATA_DIRECTORY: '/abs/wd' })).toBe('/abs/wd');
    expect(workspaceDataFolder('/ws', { NX_WORKSPACE_DATA_DIRECTORY: 'tmp/wd' })).toBe('/ws/tmp/wd');
    expect(workspaceDataFolder('/ws', {})).toBe('/ws/.nx/workspace-data');
  });

  it('stores one entry and returns it on the next run with the same warnings', async () => {
    const first = await infer();
    expect(readdirSync(memoDir)).toHaveLength(1);
    expect(first.warnings).toEqual([[expect.stringContaining("uses library 'nope'")]]);
    plantMarker();
    const second = await infer();
    expect(fromMemo(second.results)).toBe(true);
    expect(second.warnings).toEqual(first.warnings);
    expect(fromMemo(first.results)).toBe(false);
  });

  it('infers again when a manifest, a project.json beside one, or the options change', async () => {
    write('drivers/d1/local-lto.json', { kind: 'driver', sources: ['helpers/d1.c'], libs: ['chelp'] });
    const edited = await infer();
    expect(fromMemo(edited.results)).toBe(false);
    expect(edited.warnings).toEqual([]);
    expect(readdirSync(memoDir)).toHaveLength(1);

    plantMarker();
    expect(fromMemo((await infer()).results)).toBe(true);
    write('drivers/d1/project.json', { targets: { build: { options: { linker: '/opt/ld.lld' } } } });
    const withProjectJson = await infer();
    expect(fromMemo(withProjectJson.results)).toBe(false);
    const build = targetsOf(withProjectJson.results, 'drivers/d1').build;
    expect(build.inputs).toEqual(expect.arrayContaining([{ runtime: expect.stringContaining("'--linker=/opt/ld.lld'") }]));

    plantMarker();
    expect(fromMemo((await infer({ some: 'option' })).results)).toBe(false);
  });

  it('infers as usual when the data folder cannot be written', async () => {
    write('data-file', 'not a folder');
    process.env.NX_WORKSPACE_DATA_DIRECTORY = join(root, 'data-file');
    try {
      const r = await infer();
      expect(Object.keys(targetsOf(r.results, 'drivers/d1'))).toEqual(expect.arrayContaining(['build', 'rust-bc', 'clang-bc']));
    } finally {
      process.env.NX_WORKSPACE_DATA_DIRECTORY = data;
    }
  });
});
