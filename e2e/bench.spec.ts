/**
 * The benchmark harness in --quick mode (tiny sizes, 2 rounds): real plugin builds, real
 * nx, real make. Checks the results are well-formed and complete, never the timings.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILD_FIELDS, CODEGEN_FIELDS, GRAPH_FIELDS, MACHINE_FIELDS, TOP_FIELDS } from '../bench/report/fields';
import { repoRoot } from './support/workspace';

function expectFields(what: string, row: Record<string, unknown>, fields: string[]): void {
  const missing = fields.filter((f) => row[f] === undefined || row[f] === null || (typeof row[f] === 'number' && !Number.isFinite(row[f] as number)));
  expect({ what, missing }).toEqual({ what, missing: [] });
}

describe('bench --quick', () => {
  const out = mkdtempSync(join(tmpdir(), 'local-lto-bench-'));
  let results: Record<string, any>;

  beforeAll(async () => {
    const r = await execa('node', ['-r', '@swc-node/register', 'bench/run.ts', '--quick', '--out', out], {
      cwd: repoRoot,
      reject: false,
      all: true,
      stdin: 'ignore',
      env: { NX_DAEMON: 'false' },
    });
    if (r.exitCode !== 0) throw new Error(`bench --quick failed:\n${r.all}`);
    results = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
  });

  it('writes JSON with every top-level field and the machine facts', () => {
    expectFields('results', results, TOP_FIELDS);
    expect(results.mode).toBe('quick');
    expect(results.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expectFields('machine', results.machine, MACHINE_FIELDS);
    expect(results.machine.cores).toBeGreaterThan(0);
  });

  it('has the four helper-call benchmarks, each built four ways, with ratios and its inline report', () => {
    const names = results.codegen.benchmarks.map((b: { name: string }) => b.name);
    expect(names).toEqual(['compute', 'refcount', 'kuid', 'uring']);
    for (const b of results.codegen.benchmarks) {
      expectFields(`codegen ${b.name}`, b, CODEGEN_FIELDS);
      for (const key of ['separate_s', 'local_lto_s', 'full_lto_s', 'c_inline_s', 'separate_over_local', 'local_over_full']) expect(typeof b[key]).toBe('number');
      expect(b.separate_min_s).toBeLessThanOrEqual(b.separate_max_s);
      // The plugin's object must have every helper call inlined, or local_lto is not local LTO.
      expect(b.inline_report.calls).toBe(0);
      expect(b.inline_report.inlined).toBeGreaterThan(0);
    }
  });

  it('has build-speed and graph rows with every field', () => {
    expect(results.build.rows.length).toBeGreaterThan(0);
    for (const row of results.build.rows) {
      expectFields(`build ${row.drivers}`, row, BUILD_FIELDS);
      expect(row.tasks).toBe(3 * row.drivers);
      expect(row.floor_tasks).toBe(row.tasks);
      expect(row.incremental_tasks).toBeGreaterThan(0);
    }
    expect(results.graph.rows.length).toBeGreaterThan(0);
    for (const row of results.graph.rows) expectFields(`graph ${row.drivers}`, row, GRAPH_FIELDS);
  });

  it('writes the Markdown table and an SVG chart', () => {
    const md = readFileSync(join(out, 'latest.md'), 'utf8');
    expect(md).toContain('| benchmark |');
    expect(md).toContain('| drivers | tasks |');
    expect(existsSync(join(out, 'ratios.svg'))).toBe(true);
    expect(readFileSync(join(out, 'ratios.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  });
});
