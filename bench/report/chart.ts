/**
 * The ratios at a glance: a Vega-Lite bar chart rendered to SVG headless (vega View with
 * renderer 'none', then toSVG): one panel per comparison, a bar per benchmark or size with
 * its per-round min–max as a line, and a dashed rule at 1 (equal).
 */
import * as vega from 'vega';
import { compile, TopLevelSpec } from 'vega-lite';

export interface RatioPoint {
  /** Panel: which comparison. */
  comparison: string;
  /** Bar: benchmark or driver count. */
  item: string;
  ratio: number;
  min: number;
  max: number;
}

export async function ratioChartSvg(points: RatioPoint[], title: string): Promise<string> {
  const values = points.map((p) => ({ ...p, label: `${p.item}` }));
  const y = { field: 'label', type: 'nominal' as const, title: null, sort: null };
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values },
    vconcat: [...new Set(points.map((p) => p.comparison))].map((comparison) => ({
      title: { text: comparison, anchor: 'start' as const, fontSize: 12 },
      width: 420,
      transform: [{ filter: { field: 'comparison', equal: comparison } }],
      layer: [
        {
          mark: { type: 'bar' as const, height: 14 },
          encoding: {
            y,
            x: { field: 'ratio', type: 'quantitative' as const, scale: { type: 'log' as const }, title: 'ratio (log scale; 1 = equal)' },
            color: { condition: { test: 'datum.ratio > 1', value: '#4c78a8' }, value: '#f58518' },
          },
        },
        { mark: { type: 'rule' as const, color: 'black' }, encoding: { y, x: { field: 'min', type: 'quantitative' as const }, x2: { field: 'max' } } },
        { mark: { type: 'text' as const, align: 'left' as const, dx: 4 }, encoding: { y, x: { field: 'max', type: 'quantitative' as const }, text: { field: 'ratio', type: 'quantitative' as const, format: '.2f' } } },
        { mark: { type: 'rule' as const, strokeDash: [4, 3], color: 'gray' }, encoding: { x: { datum: 1 } } },
      ],
    })),
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
