/**
 * The p-th percentile (0 < p <= 100) of the samples by the nearest-rank method: the smallest sample such that
 * at least p% of the samples are <= it. NaN when there are no samples.
 */
export function percentile(samples: ArrayLike<number>, p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100] (got ${p})`);
  const n = samples.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n, Math.max(1, rank)) - 1] as number;
}

/** A growable buffer of latency samples (milliseconds). */
export class Samples {
  #buf = new Float64Array(1024);
  #n = 0;

  add(v: number): void {
    if (this.#n === this.#buf.length) {
      const bigger = new Float64Array(this.#buf.length * 2);
      bigger.set(this.#buf);
      this.#buf = bigger;
    }
    this.#buf[this.#n++] = v;
  }

  get count(): number {
    return this.#n;
  }

  values(): Float64Array {
    return this.#buf.subarray(0, this.#n);
  }

  summary(): { count: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null } {
    const v = this.values();
    if (v.length === 0) return { count: 0, p50Ms: null, p99Ms: null, maxMs: null };
    let max = 0;
    for (const x of v) if (x > max) max = x;
    return {
      count: v.length,
      p50Ms: round3(percentile(v, 50)),
      p99Ms: round3(percentile(v, 99)),
      maxMs: round3(max),
    };
  }
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Per-second rate, 0 when no time passed. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? Math.round((count * 1000) / ms) : 0;
}
