import { CACHE_TYPES, type CacheStats, type CacheType, cacheStats } from "@qts/contracts";

/** Mutable counters of one cache type (the hot path increments fields; snapshots are immutable). */
export interface Counters {
  hits: number;
  misses: number;
  errors: number;
}

function zeroCounters(): Record<CacheType, Counters> {
  const counters = {} as Record<CacheType, Counters>;
  for (const type of CACHE_TYPES) counters[type] = { hits: 0, misses: 0, errors: 0 };
  return counters;
}

/**
 * Hit/miss/error counters per `CacheType`. `reset()` moves the counts into `retired`, so lifetime counts
 * (what a Prometheus counter exports) cost nothing on the hot path and never go down.
 */
export class StatsTable {
  readonly counters: Readonly<Record<CacheType, Counters>> = zeroCounters();
  readonly #retired: Readonly<Record<CacheType, Counters>> = zeroCounters();

  /** Counts since construction, across resets. */
  lifetimeAll(): Readonly<Record<CacheType, CacheStats>> {
    const out = {} as Record<CacheType, CacheStats>;
    for (const type of CACHE_TYPES) {
      const c = this.counters[type];
      const r = this.#retired[type];
      out[type] = cacheStats({
        hitCount: c.hits + r.hits,
        missCount: c.misses + r.misses,
        errorCount: c.errors + r.errors,
      });
    }
    return Object.freeze(out);
  }

  snapshot(type: CacheType): CacheStats {
    const c = this.counters[type];
    return cacheStats({ hitCount: c.hits, missCount: c.misses, errorCount: c.errors });
  }

  snapshotAll(): Readonly<Record<CacheType, CacheStats>> {
    const out = {} as Record<CacheType, CacheStats>;
    for (const type of CACHE_TYPES) out[type] = this.snapshot(type);
    return Object.freeze(out);
  }

  reset(): void {
    for (const type of CACHE_TYPES) {
      const c = this.counters[type];
      const r = this.#retired[type];
      r.hits += c.hits;
      r.misses += c.misses;
      r.errors += c.errors;
      c.hits = 0;
      c.misses = 0;
      c.errors = 0;
    }
  }
}
