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
  /** Events whose sink threw (caught by the manager). */
  readonly eventSinkErrors?: number;
  /** The manager's breaker: state-change listeners that threw. */
  readonly circuitBreaker?: { readonly listenerErrors?: number };
}
