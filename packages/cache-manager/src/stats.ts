import { CACHE_TYPES, type CacheStats, type CacheType, cacheStats } from "@qts/contracts";

/** Mutable counters of one cache type (the hot path increments fields; snapshots are immutable). */
export interface Counters {
  hits: number;
  misses: number;
  errors: number;
}

/** Hit/miss/error counters per `CacheType`. */
export class StatsTable {
  readonly counters: Readonly<Record<CacheType, Counters>>;

  constructor() {
    const counters = {} as Record<CacheType, Counters>;
    for (const type of CACHE_TYPES) counters[type] = { hits: 0, misses: 0, errors: 0 };
    this.counters = counters;
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
      c.hits = 0;
      c.misses = 0;
      c.errors = 0;
    }
  }
}
