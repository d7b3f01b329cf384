/**
 * Section 3: project-graph creation with the plugin's inference, for N generated drivers
 * (manifests and sources only, nothing built): `nx graph --file`, each run with empty graph
 * records so the plugin's createNodes runs for every manifest.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { figure, round4 } from '../lib/stats';
import { createWorkspace, nx, nxEnv, SizedRunOptions } from '../lib/workspace';
import { addDrivers } from '../build-speed/generate';

export type GraphOptions = SizedRunOptions;

export function runGraph(o: GraphOptions): { runs: number; rows: Array<Record<string, number>> } {
  const rows: Array<Record<string, number>> = [];
  for (const n of o.sizes) {
    const ws = join(o.work, `graph-${n}`);
    createWorkspace(ws);
    addDrivers(o.pool, ws, n);
    o.log(`graph: ${n} drivers, ${o.runs} runs of nx graph --file`);
    const samples: number[] = [];
    let projects = 0;
    for (let i = 0; i < o.runs; i++) {
      if (i > 0 && !o.budget.fits(Math.max(...samples))) break;
      const out = join(ws, '.bench', `graph-${i}.json`);
      samples.push(nx(ws, ['graph', `--file=${out}`], nxEnv(join(ws, '.bench', `nx-${i}`))).seconds);
      projects = Object.keys(JSON.parse(readFileSync(out, 'utf8')).graph.nodes).length;
    }
    if (projects < n) throw new Error(`bench: nx graph lists ${projects} projects for ${n} drivers`);
    const f = figure(samples);
    rows.push({ drivers: n, projects, runs: samples.length, graph_s: round4(f.median), graph_min_s: round4(f.min), graph_max_s: round4(f.max) });
  }
  return { runs: o.runs, rows };
}
