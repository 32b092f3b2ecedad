/** What a benchmark module provides and the statistics benchmarks share. */

/** One benchmark: the figures it measures (named up front, so `--only` can skip it) and how to measure them. */
export interface Benchmark {
  /** Figure names it reports, e.g. `turn_latency_p50_ms`. */
  figures: readonly string[];
  /** Measures on this machine and returns every figure it named. */
  run(): Promise<Record<string, number>>;
}

/** The q-quantile (0..1) of samples, nearest-rank. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}

/** Milliseconds since an origin from `performance.now()`. */
export function elapsedMs(since: number): number {
  return performance.now() - since;
}

/** Rounds a figure for display and JSON: three significant decimals below 10, one above. */
export function roundFigure(value: number): number {
  return Math.abs(value) < 10 ? Math.round(value * 1000) / 1000 : Math.round(value * 10) / 10;
}
