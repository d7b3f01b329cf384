/**
 * The ratios at a glance: a Vega-Lite bar chart rendered to SVG headless (vega View with
 * renderer 'none', then toSVG), one panel per comparison, a rule at 1 (equal).
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
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values: points },
    facet: { row: { field: 'comparison', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left', labelFontWeight: 'bold' } } },
    spec: {
      width: 420,
      layer: [
        {
          mark: { type: 'bar', height: 14 },
          encoding: {
            y: { field: 'item', type: 'nominal', title: null, sort: null },
            x: { field: 'ratio', type: 'quantitative', scale: { type: 'log' }, title: 'ratio (log scale; 1 = equal)' },
            color: { condition: { test: 'datum.ratio > 1', value: '#4c78a8' }, value: '#f58518' },
            tooltip: [{ field: 'ratio' }, { field: 'min' }, { field: 'max' }],
          },
        },
        { mark: { type: 'rule', color: 'black' }, encoding: { y: { field: 'item', type: 'nominal', sort: null }, x: { field: 'min', type: 'quantitative' }, x2: { field: 'max' } } },
        { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { y: { field: 'item', type: 'nominal', sort: null }, x: { field: 'max', type: 'quantitative' }, text: { field: 'ratio', type: 'quantitative', format: '.2f' } } },
        { mark: { type: 'rule', strokeDash: [4, 3], color: 'gray' }, encoding: { x: { datum: 1 } } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
