/**
 * Statistics of `qts bench` and of the replay's latency summaries (apps/integration imports `percentile` from
 * here): one percentile definition, a sample summary and the ratio of two sample lists.
 */

/**
 * The p-th percentile (0 < p <= 100) of the samples by the nearest-rank method: the smallest sample such that
 * at least p% of the samples are <= it. The samples need not be sorted. NaN when there are none.
 */
export function percentile(samples: ArrayLike<number>, p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100] (got ${p})`);
  const n = samples.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n, Math.max(1, rank)) - 1] as number;
}

/** A summary of the samples of one figure (in the row's unit). */
export interface Stat {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly q1: number;
  readonly q3: number;
  readonly n: number;
  readonly samples: readonly number[];
}

export function stat(samples: readonly number[]): Stat {
  const sorted = Float64Array.from(samples).sort();
  return {
    median: percentile(sorted, 50),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    q1: percentile(sorted, 25),
    q3: percentile(sorted, 75),
    n: sorted.length,
    samples: [...samples],
  };
}

/** Baseline and ours of the same repeats, with the per-repeat ratios ours / baseline. */
export interface Comparison {
  readonly baseline: Stat;
  readonly ours: Stat;
  readonly ratio: Stat;
}

/** Stats of a baseline and ours sample list of the same repeats, with the per-repeat ratios. */
export function comparison(baseline: readonly number[], ours: readonly number[]): Comparison {
  const ratios = ours.map((o, i) => o / baseline[i]!);
  return { baseline: stat(baseline), ours: stat(ours), ratio: stat(ratios) };
}
