import { CACHE_TTL_MS, type CacheType } from "./cache.js";

/** System safety state, from the engine's safety module. */
export const SafetyState = Object.freeze({
  NORMAL: "NORMAL",
  WARNING: "WARNING",
  FAIL: "FAIL",
  LOCKDOWN: "LOCKDOWN",
} as const);
export type SafetyState = (typeof SafetyState)[keyof typeof SafetyState];

/** What each safety state allows. */
export interface SafetyPolicy {
  /** The cache is used at all (reads and writes); false = bypassed. */
  readonly cacheEnabled: boolean;
  /** Cache writes are allowed (prices, generic entries); false = rejected with ReadOnlyError. */
  readonly cacheWritable: boolean;
  /** Data-layer writes are allowed; false = rejected with ReadOnlyError. */
  readonly dbWritable: boolean;
  /** Entering this state flushes every key the manager owns. */
  readonly flushOnEnter: boolean;
}

/** The seed's table: NORMAL/WARNING normal; FAIL read-only; LOCKDOWN flush + disable cache, DB read-only. */
export const SAFETY_POLICY: Readonly<Record<SafetyState, SafetyPolicy>> = Object.freeze({
  NORMAL: Object.freeze({ cacheEnabled: true, cacheWritable: true, dbWritable: true, flushOnEnter: false }),
  WARNING: Object.freeze({ cacheEnabled: true, cacheWritable: true, dbWritable: true, flushOnEnter: false }),
  FAIL: Object.freeze({ cacheEnabled: true, cacheWritable: false, dbWritable: false, flushOnEnter: false }),
  LOCKDOWN: Object.freeze({
    cacheEnabled: false,
    cacheWritable: false,
    dbWritable: false,
    flushOnEnter: true,
  }),
});

/** Trading posture, which tunes cache freshness. */
export const OperatingState = Object.freeze({
  AGGRESSIVE: "AGGRESSIVE",
  BALANCED: "BALANCED",
  DEFENSIVE: "DEFENSIVE",
} as const);
export type OperatingState = (typeof OperatingState)[keyof typeof OperatingState];

/** TTL changes per operating state: AGGRESSIVE price 50 ms, BALANCED defaults, DEFENSIVE position 5000 ms. */
export const OPERATING_TTL_MS: Readonly<
  Record<OperatingState, Readonly<Partial<Record<CacheType, number>>>>
> = Object.freeze({
  AGGRESSIVE: Object.freeze({ price: 50 }),
  BALANCED: Object.freeze({}),
  DEFENSIVE: Object.freeze({ position: 5000 }),
});

export function isSafetyState(value: unknown): value is SafetyState {
  return typeof value === "string" && Object.hasOwn(SAFETY_POLICY, value);
}

export function isOperatingState(value: unknown): value is OperatingState {
  return typeof value === "string" && Object.hasOwn(OPERATING_TTL_MS, value);
}

/**
 * The TTL to use for `type` in `state`: the operating state's value, else the instance override, else
 * `CACHE_TTL_MS`. (The operating state wins: it is the engine's current instruction.)
 */
export function effectiveTtlMs(
  type: CacheType,
  state: OperatingState = OperatingState.BALANCED,
  overridesMs: Readonly<Partial<Record<CacheType, number>>> = {},
): number {
  return OPERATING_TTL_MS[state][type] ?? overridesMs[type] ?? CACHE_TTL_MS[type];
}
