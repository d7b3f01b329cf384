/**
 * Figures and side-by-side timing. Every figure is the median of its runs with the min and
 * max; variants compared with each other are timed in the same rounds (A, B, A, B, ...,
 * with the order rotated each round) so machine drift hits them alike, and each ratio's
 * min and max come from the per-round pairs.
 */

export interface Figure {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function figure(samples: readonly number[]): Figure {
  if (samples.length === 0) throw new Error('bench: a figure needs at least one run');
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples: [...samples] };
}

/** Ratio of the medians, and the min and max of the per-round ratios a[i] / b[i]. */
export function ratio(a: Figure, b: Figure): { median: number; min: number; max: number } {
  const pairs = a.samples.map((x, i) => x / b.samples[i]);
  return { median: a.median / b.median, min: Math.min(...pairs), max: Math.max(...pairs) };
}

/**
 * Runs each named measurement once per round for `rounds` rounds, rotating which goes
 * first, and returns each one's figure. A measurement returns seconds.
 */
export function sideBySide<K extends string>(measure: Record<K, () => number>, rounds: number, budget?: Budget): Record<K, Figure> {
  const names = Object.keys(measure) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as unknown as Record<K, number[]>;
  const start = Date.now();
  for (let round = 0; round < rounds; round++) {
    // Stop early (never before one round) when another round would overrun the time budget.
    if (round > 0 && budget && !budget.fits((Date.now() - start) / 1000 / round)) break;
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length];
      samples[name].push(measure[name]());
    }
  }
  return Object.fromEntries(names.map((n) => [n, figure(samples[n])])) as unknown as Record<K, Figure>;
}

/** A wall-clock deadline shared by the sections of one run. */
export class Budget {
  constructor(private readonly deadline: number) {}
  static seconds(s: number): Budget {
    return new Budget(Date.now() + s * 1000);
  }
  /** Seconds left. */
  left(): number {
    return (this.deadline - Date.now()) / 1000;
  }
  /** Whether `seconds` more work ends before the deadline. */
  fits(seconds: number): boolean {
    return seconds <= this.left();
  }
}

/** Rounds for JSON: 4 significant digits. */
export function round4(x: number): number {
  return Number(x.toPrecision(4));
}
