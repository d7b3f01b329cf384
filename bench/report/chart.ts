/**
 * The ratios at a glance: a Vega-Lite chart rendered to SVG headless (vega View with
 * renderer 'none', then toSVG): one panel per comparison, a bar per benchmark or size drawn
 * from 1 (equal) to its ratio on a log scale (right of the rule at 1: the first variant took
 * longer; left: shorter), its per-round min–max as a line, and a dashed rule at 1.
 */
import * as vega from 'vega';
import { compile, TopLevelSpec } from 'vega-lite';
import { Results } from './markdown';

export interface RatioPoint {
  /** Panel: which comparison. */
  comparison: string;
  /** Bar: benchmark or driver count. */
  item: string;
  ratio: number;
  min: number;
  max: number;
}

type Row = Record<string, unknown>;
const point = (comparison: string, item: string, r: Row, key: string): RatioPoint => ({
  comparison,
  item,
  ratio: r[key] as number,
  min: r[`${key}_min`] as number,
  max: r[`${key}_max`] as number,
});

/** The chart's points from a results file (the bench's own, or latest.json read back). */
export function ratioPoints(r: Pick<Results, 'codegen' | 'build'>): RatioPoint[] {
  return [
    ...r.codegen.benchmarks.map((b) => point('separate / local_lto (speed-up of local LTO)', String(b.name), b, 'separate_over_local')),
    ...r.codegen.benchmarks.map((b) => point('local_lto / full_lto (cost vs whole-program LTO)', String(b.name), b, 'local_over_full')),
    ...r.build.rows.map((b) => point('nx cold / make cold', `${b.drivers} driver(s)`, b, 'nx_cold_over_make')),
    ...r.build.rows.map((b) => point('nx cached / Nx floor', `${b.drivers} driver(s)`, b, 'nx_cached_over_floor')),
  ];
}

/**
 * Each panel's x domain: every ratio, min, max and 1, with a little room on both sides (a
 * log scale has no zero; Vega-Lite's "nice" log domain would round to powers of ten and
 * squeeze ratios near 1 into a few pixels).
 */
function domainOf(points: RatioPoint[]): [number, number] {
  const values = points.flatMap((p) => [p.ratio, p.min, p.max]).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.min(1, ...values);
  const hi = Math.max(1, ...values);
  const pad = Math.max(Math.log10(hi / lo) * 0.05, 0.02);
  return [lo / 10 ** pad, hi * 10 ** pad];
}

export async function ratioChartSvg(points: RatioPoint[], title: string): Promise<string> {
  const values = points.map((p) => ({ ...p, label: `${p.item}` }));
  const y = { field: 'label', type: 'nominal' as const, title: null, sort: null };
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values },
    vconcat: [...new Set(points.map((p) => p.comparison))].map((comparison) => {
      const x = {
        field: 'ratio',
        type: 'quantitative' as const,
        scale: { type: 'log' as const, domain: domainOf(points.filter((p) => p.comparison === comparison)), nice: false },
        title: 'ratio (log scale; 1 = equal)',
      };
      return {
        title: { text: comparison, anchor: 'start' as const, fontSize: 12 },
        width: 420,
        transform: [{ filter: { field: 'comparison', equal: comparison } }],
        layer: [
          {
            mark: { type: 'bar' as const, height: 14 },
            encoding: {
              y,
              x,
              x2: { datum: 1 },
              color: { condition: { test: 'datum.ratio > 1', value: '#4c78a8' }, value: '#f58518' },
            },
          },
          { mark: { type: 'rule' as const, color: 'black' }, encoding: { y, x: { ...x, field: 'min' }, x2: { field: 'max' } } },
          { mark: { type: 'text' as const, align: 'left' as const, dx: 4 }, encoding: { y, x: { ...x, field: 'max' }, text: { field: 'ratio', type: 'quantitative' as const, format: '.2f' } } },
          // Its own one-row data: a datum encoding over the panel's data would draw one rule per bar.
          { data: { values: [{ equal: 1 }] }, mark: { type: 'rule' as const, strokeDash: [4, 3], strokeWidth: 1.5, color: '#333' }, encoding: { x: { ...x, field: 'equal' } } },
        ],
      };
    }),
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
