import { percentile } from "@qts/bench/stats";

/** The one percentile of the tree (nearest rank, p in (0, 100]), shared with the bench. */
export { percentile };

/** A growable buffer of latency samples (milliseconds). */
export class Samples {
  #buf = new Float64Array(1024);
  #count = 0;

  add(v: number): void {
    if (this.#count === this.#buf.length) {
      const bigger = new Float64Array(this.#buf.length * 2);
      bigger.set(this.#buf);
      this.#buf = bigger;
    }
    this.#buf[this.#count++] = v;
  }

  get count(): number {
    return this.#count;
  }

  values(): Float64Array {
    return this.#buf.subarray(0, this.#count);
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
