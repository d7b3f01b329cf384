import { readJson, Tree, writeJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { initGenerator, TOOLCHAIN_ENV } from './generator';

/** Every pending change of the tree, content included, to compare before and after a run. */
const changes = (tree: Tree) => tree.listChanges().map((c) => ({ path: c.path, type: c.type, content: c.content?.toString() }));

const toolchainInput = TOOLCHAIN_ENV.map((env) => ({ env }));

describe('nx-local-lto:init', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  it('registers the plugin, caches build, adds the localLtoToolchain named input and the IDE sync generator', async () => {
    await initGenerator(tree, {});
    const nx = readJson(tree, 'nx.json');
    expect(nx.plugins).toEqual(['nx-local-lto']);
    expect(nx.sync).toEqual({ globalGenerators: ['nx-local-lto:ide-sync'] });
    expect(nx.targetDefaults.build).toEqual({ cache: true });
    expect(nx.targetDefaults.build.dependsOn).toBeUndefined();
    expect(nx.namedInputs.localLtoToolchain).toEqual([
      { env: 'LOCAL_LTO_RUSTC' },
      { env: 'LOCAL_LTO_CLANG' },
      { env: 'LOCAL_LTO_LLVM_LINK' },
      { env: 'LOCAL_LTO_LD' },
      { env: 'RUSTFLAGS' },
    ]);
  });

  it('is idempotent: a second run changes nothing', async () => {
    await initGenerator(tree, {});
    const afterFirst = changes(tree);
    const nxAfterFirst = tree.read('nx.json', 'utf-8');
    await initGenerator(tree, {});
    expect(changes(tree)).toEqual(afterFirst);
    expect(tree.read('nx.json', 'utf-8')).toBe(nxAfterFirst);
  });

  it('leaves nx.json untouched when it already has everything', async () => {
    writeJson(tree, 'nx.json', {
      plugins: ['nx-local-lto'],
      targetDefaults: { build: { cache: true } },
      namedInputs: { localLtoToolchain: toolchainInput },
      sync: { globalGenerators: ['nx-local-lto:ide-sync'] },
    });
    const before = tree.read('nx.json', 'utf-8');
    await initGenerator(tree, {});
    expect(tree.read('nx.json', 'utf-8')).toBe(before);
  });

  it('counts the object form of a plugin entry and does not add a second one', async () => {
    writeJson(tree, 'nx.json', { plugins: [{ plugin: 'nx-local-lto', options: { x: 1 } }, '@nx/js'] });
    await initGenerator(tree, {});
    expect(readJson(tree, 'nx.json').plugins).toEqual([{ plugin: 'nx-local-lto', options: { x: 1 } }, '@nx/js']);
  });

  it('adds the plugin after other plugins and keeps the user\'s build settings', async () => {
    writeJson(tree, 'nx.json', {
      plugins: ['@nx/js'],
      targetDefaults: { build: { cache: false, inputs: ['default'] }, lint: { cache: true } },
      namedInputs: { default: ['{projectRoot}/**/*'], localLtoToolchain: [{ env: 'RUSTFLAGS' }, { env: 'CC' }] },
    });
    await initGenerator(tree, {});
    const nx = readJson(tree, 'nx.json');
    expect(nx.plugins).toEqual(['@nx/js', 'nx-local-lto']);
    expect(nx.targetDefaults).toEqual({ build: { cache: false, inputs: ['default'] }, lint: { cache: true } });
    expect(nx.namedInputs.default).toEqual(['{projectRoot}/**/*']);
    expect(nx.namedInputs.localLtoToolchain).toEqual([
      { env: 'RUSTFLAGS' },
      { env: 'CC' },
      { env: 'LOCAL_LTO_RUSTC' },
      { env: 'LOCAL_LTO_CLANG' },
      { env: 'LOCAL_LTO_LLVM_LINK' },
      { env: 'LOCAL_LTO_LD' },
    ]);
  });

  it('creates nx.json when there is none', async () => {
    tree.delete('nx.json');
    await initGenerator(tree, {});
    expect(readJson(tree, 'nx.json')).toEqual({
      plugins: ['nx-local-lto'],
      targetDefaults: { build: { cache: true } },
      namedInputs: { localLtoToolchain: toolchainInput },
      sync: { globalGenerators: ['nx-local-lto:ide-sync'] },
    });
  });

  it('adds the IDE sync generator after other global sync generators and keeps the sync settings', async () => {
    writeJson(tree, 'nx.json', { sync: { applyChanges: true, globalGenerators: ['@nx/js:typescript-sync'] } });
    await initGenerator(tree, {});
    expect(readJson(tree, 'nx.json').sync).toEqual({ applyChanges: true, globalGenerators: ['@nx/js:typescript-sync', 'nx-local-lto:ide-sync'] });
  });

  it('rejects an unknown option with one line and writes nothing', async () => {
    const before = changes(tree);
    await expect(initGenerator(tree, { nope: true } as never)).rejects.toThrow(/^unknown option 'nope'; accepted options: skipFormat$/);
    expect(changes(tree)).toEqual(before);
  });
});
