import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../executors/testing/fixture-workspace';
import { normalizeManifest } from './manifest';
import { inferTargets } from './targets';

const FILE = 'drivers/d/local-lto.json';
const errorOf = (raw: unknown): string => {
  try {
    normalizeManifest(FILE, raw);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the manifest to be rejected');
};

describe('local-lto.json schema (manifest.schema.json, ajv)', () => {
  test('every manifest in the repository is valid', () => {
    const files = ['drivers', 'libs'].flatMap((dir) => readdirSync(join(repoRoot, dir)).map((p) => join(dir, p, 'local-lto.json')));
    expect(files.length).toBeGreaterThan(2);
    for (const f of files) expect(() => normalizeManifest(f, JSON.parse(readFileSync(join(repoRoot, f), 'utf8')))).not.toThrow();
  });

  test.each([
    ['a typo', { kind: 'driver', sorces: ['a.c'] }, /^drivers\/d\/local-lto\.json: unknown key 'sorces'\. Accepted keys: kind, name, .*sources.*objects/],
    ['an executor option', { kind: 'driver', ltoMode: 'full' }, /unknown key 'ltoMode'\. 'ltoMode' is an option of the clang-bc target: set it in project\.json under targets\.clang-bc\.options\./],
    ['a nested typo', { kind: 'driver', test: { sourcess: ['t.c'] } }, /unknown key 'test\.sourcess'\. Accepted keys: sources, linkLibs, args$/],
    ['a string for an array', { kind: 'driver', cflags: '-O2' }, /key 'cflags' must be an array, got "-O2"/],
    ['a number for an enum', { kind: 'driver', edition: 2021 }, /key 'edition' must be of type string, got 2021/],
    ['a value outside an enum', { kind: 'driver', runtimeSymbols: 'ignore' }, /key 'runtimeSymbols' is "ignore"; accepted values: "error", "warn"/],
    ['no kind', { sources: [] }, /key 'kind' is required/],
  ])('%s fails with one line naming the file, the key and what is accepted', (_name, raw, message) => {
    const text = errorOf(raw);
    expect(text).toMatch(message);
    expect(text).toContain(FILE);
    expect(text.split('\n')).toHaveLength(1);
  });

  test('per-driver options are manifest keys passed to the targets; objects are cache inputs of build', () => {
    const m = normalizeManifest(FILE, { kind: 'driver', sources: ['h.c'], optLevel: '3', ltoOptLevel: '3', inlinePolicy: 'warn', runtimeSymbols: 'warn', objects: ['vendor/v.o'] });
    const t = inferTargets(m, []);
    expect(t['rust-bc'].options.optLevel).toBe('3');
    expect(t['clang-bc'].options.optLevel).toBe('3');
    expect(t.build.options).toMatchObject({ ltoOptLevel: '3', inlinePolicy: 'warn', runtimeSymbols: 'warn', objects: ['drivers/d/vendor/v.o'] });
    expect(t.build.inputs).toContain('{projectRoot}/vendor/v.o');
    // Control: without the keys the executors' schema defaults apply (no option set).
    const plain = inferTargets(normalizeManifest(FILE, { kind: 'driver', sources: ['h.c'] }), []);
    expect(plain.build.options).not.toHaveProperty('objects');
    expect(plain.build.options).not.toHaveProperty('runtimeSymbols');
    expect(plain['rust-bc'].options).not.toHaveProperty('optLevel');
  });
});
