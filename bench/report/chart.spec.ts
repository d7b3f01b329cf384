/**
 * The ratio chart as the README shows it: rendered by the bench's own code (ratioPoints +
 * ratioChartSvg) from a small fixed results object, then read back from the SVG. Each bar
 * must run from the rule at 1 to its ratio, its length growing with |log ratio|, so a chart
 * of zero-width bars (a log scale over a zero-based bar) fails here, not in the README.
 */
import { ratioChartSvg, ratioPoints } from './chart';

const results = {
  codegen: {
    runs: 2,
    benchmarks: [
      { name: 'alpha', separate_over_local: 4, separate_over_local_min: 3.5, separate_over_local_max: 4.4, local_over_full: 0.8, local_over_full_min: 0.7, local_over_full_max: 0.95 },
      { name: 'beta', separate_over_local: 1.5, separate_over_local_min: 1.4, separate_over_local_max: 1.6, local_over_full: 1.2, local_over_full_min: 1.1, local_over_full_max: 1.3 },
      { name: 'gamma', separate_over_local: 9, separate_over_local_min: 8, separate_over_local_max: 10, local_over_full: 1.02, local_over_full_min: 0.99, local_over_full_max: 1.05 },
    ],
  },
  build: {
    runs: 2,
    cores: 2,
    skipped: [],
    rows: [
      { drivers: 1, nx_cold_over_make: 30, nx_cold_over_make_min: 28, nx_cold_over_make_max: 33, nx_cached_over_floor: 2, nx_cached_over_floor_min: 1.9, nx_cached_over_floor_max: 2.2 },
      { drivers: 10, nx_cold_over_make: 7, nx_cold_over_make_min: 6.5, nx_cold_over_make_max: 8, nx_cached_over_floor: 1.1, nx_cached_over_floor_min: 1.05, nx_cached_over_floor_max: 1.2 },
    ],
  },
};

interface Bar {
  ratio: number;
  /** Left edge and width in the panel's coordinates (vega writes a bar as M x,y h w v h h -w Z). */
  x: number;
  width: number;
}

interface Panel {
  bars: Bar[];
  /** x of the dashed rule at 1, if drawn. */
  ruleAtOne?: number;
}

const num = '(-?[\\d.]+(?:e-?\\d+)?)';

/** The bars and the rule at 1 of each panel (concat_<i>), read from the rendered SVG. */
function readPanels(svg: string): Panel[] {
  const panels: Panel[] = [];
  const container = /<g class="mark-(rect|rule) role-mark concat_(\d+)_layer_(\d+)_marks"[^>]*>([\s\S]*?)<\/g>/g;
  for (const [, kind, panel, layer, body] of svg.matchAll(container)) {
    const p = (panels[Number(panel)] ??= { bars: [] });
    if (kind === 'rect') {
      const bar = new RegExp(`<path aria-label="[^"]*?: ${num}; label: [^"]*"[^>]*? d="M${num},${num}h${num}v${num}h${num}Z"`, 'g');
      for (const m of body.matchAll(bar)) {
        const [x, w] = [Number(m[2]), Number(m[4])];
        p.bars.push({ ratio: Number(m[1]), x: w < 0 ? x + w : x, width: Math.abs(w) });
      }
    } else if (layer === '3') {
      const rule = new RegExp(`<line aria-label="[^"]*: 1" [^>]*transform="translate\\(${num},0\\)"`).exec(body);
      if (rule) p.ruleAtOne = Number(rule[1]);
    }
  }
  return panels;
}

/** What is wrong with a panel's marks, or nothing. */
function problems(panel: Panel): string[] {
  const out: string[] = [];
  const one = panel.ruleAtOne;
  if (one === undefined) return ['no rule at 1'];
  // Each bar runs from 1 to its ratio: one end on the rule, the other right of it above 1, left below.
  const ends = panel.bars.map((b) => {
    const [left, right] = [b.x, b.x + b.width];
    if (b.width < 2) out.push(`ratio ${b.ratio}: bar ${b.width.toFixed(2)} px wide`);
    if (Math.abs((b.ratio > 1 ? left : right) - one) > 0.5) out.push(`ratio ${b.ratio}: bar does not start at the rule at 1 (x ${one.toFixed(1)})`);
    return { ratio: b.ratio, end: b.ratio > 1 ? right : left };
  });
  // Its free end grows with the ratio, at one scale per panel (log: pixels per decade).
  const sorted = [...ends].sort((a, b) => a.ratio - b.ratio);
  for (let i = 1; i < sorted.length; i++) {
    if (!(sorted[i].end > sorted[i - 1].end)) out.push(`ratio ${sorted[i].ratio} ends at x ${sorted[i].end.toFixed(1)}, not right of ratio ${sorted[i - 1].ratio}`);
  }
  const perDecade = ends.map((e) => (e.end - one) / Math.log10(e.ratio));
  if (Math.max(...perDecade) - Math.min(...perDecade) > 0.01 * Math.max(...perDecade.map(Math.abs))) out.push(`bar lengths are not one log scale: ${perDecade.map((d) => d.toFixed(1)).join(', ')} px per decade`);
  return out;
}

describe('bench ratio chart', () => {
  let svg: string;
  beforeAll(async () => {
    svg = await ratioChartSvg(ratioPoints(results), 'test chart');
  });

  it('draws one panel per comparison with a bar per benchmark or size, from the rule at 1 to its ratio', () => {
    const panels = readPanels(svg);
    expect(panels.map((p) => p.bars.map((b) => b.ratio))).toEqual([
      [4, 1.5, 9],
      [0.8, 1.2, 1.02],
      [30, 7],
      [2, 1.1],
    ]);
    expect(panels.map(problems)).toEqual([[], [], [], []]);
  });

  it('catches the zero-width bars of a log scale over a zero-based bar (positive control)', () => {
    const flattened = svg.replace(/(aria-roledescription="bar" d="M[^,]+,[\d.]+)h-?[\d.e-]+v([\d.]+)h-?[\d.e-]+Z/g, '$1h0v$2h0Z');
    expect(flattened).not.toBe(svg);
    const found = readPanels(flattened).flatMap(problems);
    expect(found).toContain('ratio 4: bar 0.00 px wide');
    expect(found.some((p) => /not right of ratio/.test(p))).toBe(true);
  });

  it('catches a chart without the rule at 1 (positive control)', () => {
    const withoutRule = svg.replace(/<line aria-label="[^"]*: 1" [^>]*\/>/g, '');
    expect(readPanels(withoutRule).map(problems)).toEqual([['no rule at 1'], ['no rule at 1'], ['no rule at 1'], ['no rule at 1']]);
  });
});
