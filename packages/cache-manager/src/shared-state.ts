import {
  type CacheType,
  CacheUnavailableError,
  ReadOnlyError,
  type SafetyPolicy,
  type SafetyState,
} from "@qts/contracts";

/** The manager's mutable state, shared (by reference) with its parts. */
export interface SharedState {
  safety: SafetyState;
  policy: SafetyPolicy;
  ttl: Record<CacheType, number>;
  closing: boolean;
}

export function assertOpen(s: SharedState): void {
  if (s.closing) throw new CacheUnavailableError("CacheManager is closed");
}

export function assertDbWritable(s: SharedState): void {
  if (!s.policy.dbWritable) {
    throw new ReadOnlyError(`safety state ${s.safety} forbids data-layer writes`, s.safety);
  }
}

export function assertCacheWritable(s: SharedState): void {
  if (!s.policy.cacheWritable) {
    throw new ReadOnlyError(`safety state ${s.safety} forbids cache writes`, s.safety);
  }
}
