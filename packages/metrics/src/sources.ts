import type { CacheStats, CacheType, OperatingState, SafetyState } from "@qts/contracts";

/** What the metrics read from a cache manager (`CacheManager` of `@qts/cache-manager` has all of it). */
export interface ObservableCacheManager {
  readonly namespace: string;
  readonly circuitState: string;
  readonly safetyState: SafetyState;
  readonly operatingState: OperatingState;
  getAllStats(): Readonly<Record<CacheType, CacheStats>>;
  /** Counts since construction, never reset (preferred when present: `getAllStats` is reset by `resetStats`). */
  getLifetimeStats?(): Readonly<Record<CacheType, CacheStats>>;
}

/** Connection-pool usage, as `TimescaleAdapter.poolUsage` reports it. */
export interface PoolUsage {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

/** A store with a connection pool (e.g. `TimescaleAdapter`). */
export interface PooledStore {
  readonly name: string;
  readonly poolUsage: PoolUsage;
}

/** A store that replicates to another and holds a backlog of writes not yet applied there (e.g. `HybridAdapter`). */
export interface BackloggedStore {
  readonly name: string;
  readonly backlog: number;
}

export function isPooledStore(x: unknown): x is PooledStore {
  const usage = (x as Partial<PooledStore> | null)?.poolUsage;
  return typeof usage === "object" && usage !== null && typeof usage.total === "number";
}

export function isBackloggedStore(x: unknown): x is BackloggedStore {
  return typeof (x as Partial<BackloggedStore> | null)?.backlog === "number";
}

/** The stores a store is made of (a Hybrid adapter's primary and secondary), found by their public fields. */
export function innerStores(x: unknown): unknown[] {
  const o = x as { primary?: unknown; secondary?: unknown } | null;
  return [o?.primary, o?.secondary].filter((s) => typeof s === "object" && s !== null);
}
