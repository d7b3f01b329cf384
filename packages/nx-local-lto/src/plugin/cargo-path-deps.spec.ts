import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { cargoPathDeps } from './cargo-path-deps';

/** A Cargo workspace with every way of naming a path dependency, and one that must not count (dev). */
function workspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'local-lto-path-deps-'));
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  const pkg = (dir: string, extra = '') => {
    write(`${dir}/Cargo.toml`, `[package]\nname = "${dir.split('/').pop()}"\nversion = "0.1.0"\nedition = "2021"\n${extra}`);
    write(`${dir}/src/lib.rs`, '');
  };
  write('Cargo.toml', '[workspace]\nresolver = "2"\nmembers = ["drivers/d"]\n\n[workspace.dependencies]\nshared = { path = "libs/shared" }\n');
  pkg('drivers/d', [
    '[dependencies]',
    'a = { path = "../../libs/a" }',
    'shared = { workspace = true }',
    '[target.\'cfg(unix)\'.dependencies]',
    't = { path = "../../libs/t" }',
    '[build-dependencies]',
    'b = { path = "../../libs/b" }',
    '[dev-dependencies]',
    'dev = { path = "../../libs/dev" }',
  ].join('\n'));
  pkg('libs/a', '[dependencies]\ninner = { path = "../inner" }\n');
  for (const dir of ['libs/shared', 'libs/t', 'libs/b', 'libs/dev', 'libs/inner']) pkg(dir);
  return root;
}

interface Metadata {
  packages: Array<{ manifest_path: string; dependencies: Array<{ path?: string; kind: string | null }> }>;
}

/** cargo's own answer: `cargo metadata --no-deps`, path dependencies followed from the driver, dev ones included (filtered by the caller). */
function closureFromCargo(meta: Metadata, root: string, start: string): Array<{ declaredIn: string; dir: string; kind: string | null }> {
  const byManifest = new Map(meta.packages.map((p) => [relative(root, p.manifest_path), p]));
  const out: Array<{ declaredIn: string; dir: string; kind: string | null }> = [];
  const queue = [start];
  const seen = new Set<string>();
  while (queue.length) {
    const file = queue.shift()!;
    for (const d of byManifest.get(file)?.dependencies ?? []) {
      if (!d.path) continue;
      const dir = relative(root, d.path);
      out.push({ declaredIn: file, dir, kind: d.kind });
      if (d.kind !== 'dev' && !seen.has(dir)) {
        seen.add(dir);
        queue.push(join(dir, 'Cargo.toml'));
      }
    }
  }
  return out;
}

describe('cargoPathDeps (Cargo.toml read with smol-toml)', () => {
  const sorted = <T extends { declaredIn: string; dir: string }>(xs: T[]) => xs.map((x) => `${x.declaredIn} -> ${x.dir}`).sort();

  it("gives cargo metadata's path dependencies (direct, workspace-inherited, target-specific, build, transitive), without dev-dependencies", async () => {
    const root = workspace();
    const read = (p: string) => {
      try {
        return readFileSync(join(root, p), 'utf8');
      } catch {
        return undefined;
      }
    };
    const ours = cargoPathDeps('drivers/d/Cargo.toml', read);
    const { stdout } = await execa('cargo', ['metadata', '--format-version', '1', '--no-deps', '--offline', '--manifest-path', join(root, 'Cargo.toml')]);
    const cargo = closureFromCargo(JSON.parse(stdout), root, 'drivers/d/Cargo.toml');
    // Positive control: cargo does list the dev-dependency; it is not part of the library cargo-bc builds.
    expect(cargo.filter((d) => d.kind === 'dev').map((d) => d.dir)).toEqual(['libs/dev']);
    expect(sorted(ours)).toEqual(sorted(cargo.filter((d) => d.kind !== 'dev')));
    expect(sorted(ours)).toEqual([
      'drivers/d/Cargo.toml -> libs/a',
      'drivers/d/Cargo.toml -> libs/b',
      'drivers/d/Cargo.toml -> libs/shared',
      'drivers/d/Cargo.toml -> libs/t',
      'libs/a/Cargo.toml -> libs/inner',
    ]);
  });

  it('names a Cargo.toml that does not parse, in one line', () => {
    const read = (p: string) => (p === 'drivers/x/Cargo.toml' ? '[dependencies\nfoo = 1\n' : undefined);
    expect(() => cargoPathDeps('drivers/x/Cargo.toml', read)).toThrow(/^drivers\/x\/Cargo\.toml: .*fix the TOML/);
    try {
      cargoPathDeps('drivers/x/Cargo.toml', read);
    } catch (e) {
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it('a package without path dependencies, or a path whose Cargo.toml is missing, reads nothing more', () => {
    const files: Record<string, string> = { 'd/Cargo.toml': '[package]\nname = "d"\n[dependencies]\nbitflags = "2"\ngone = { path = "../gone" }\n' };
    expect(cargoPathDeps('d/Cargo.toml', (p) => files[p])).toEqual([{ declaredIn: 'd/Cargo.toml', dir: 'gone' }]);
  });
});
