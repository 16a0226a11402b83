import { ValidationError } from "./errors.js";
import { hasLoneSurrogate } from "./validation.js";

/** What a cache entry holds; each kind has its own key prefix and TTL. */
export const CacheType = Object.freeze({
  PRICE: "price",
  POSITION: "position",
  ORDERBOOK: "orderbook",
  RISK: "risk",
  ORDER: "order",
  STRATEGY: "strategy",
} as const);
export type CacheType = (typeof CacheType)[keyof typeof CacheType];

export const CACHE_TYPES: readonly CacheType[] = Object.freeze(Object.values(CacheType));

/** Default TTL of each cache type in milliseconds. */
export const CACHE_TTL_MS: Readonly<Record<CacheType, number>> = Object.freeze({
  price: 100,
  position: 1000,
  orderbook: 50,
  risk: 5000,
  order: 60_000,
  strategy: 60_000,
});

/** Key prefix of each cache type: `cacheKey("position", "AAPL") === "pos:AAPL"`. */
export const CACHE_KEY_PREFIX: Readonly<Record<CacheType, string>> = Object.freeze({
  price: "price",
  position: "pos",
  orderbook: "book",
  risk: "risk",
  order: "ord",
  strategy: "strat",
});

export function isCacheType(value: unknown): value is CacheType {
  return typeof value === "string" && (CACHE_TYPES as readonly string[]).includes(value);
}

export function validateCacheType(value: unknown, field = "type"): CacheType {
  if (!isCacheType(value))
    throw new ValidationError(field, value, `must be one of ${CACHE_TYPES.join(", ")}`);
  return value;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/** `cacheKey(type, id)` = `price:ID`, `pos:ID`, `book:ID`, `risk:ID`, `ord:ID`, `strat:ID` (without namespace). */
export function cacheKey(type: CacheType, id: string): string {
  const prefix = CACHE_KEY_PREFIX[validateCacheType(type)];
  if (typeof id !== "string" || id === "") throw new ValidationError("id", id, "must be a non-empty string");
  if (CONTROL_CHARS.test(id)) throw new ValidationError("id", id, "must not contain control characters");
  // Redis would store U+FFFD for it: two different ids would share one key.
  if (hasLoneSurrogate(id)) throw new ValidationError("id", id, "must not contain a lone UTF-16 surrogate");
  return `${prefix}:${id}`;
}

/** Hit/miss/error counters of one cache type: an immutable snapshot. */
export interface CacheStats {
  readonly hitCount: number;
  readonly missCount: number;
  readonly errorCount: number;
  /** hits / (hits + misses); 0 when both are 0. */
  readonly hitRate: number;
}

export function cacheStats(counts?: {
  hitCount?: number;
  missCount?: number;
  errorCount?: number;
}): CacheStats {
  const hitCount = counts?.hitCount ?? 0;
  const missCount = counts?.missCount ?? 0;
  const errorCount = counts?.errorCount ?? 0;
  for (const [field, v] of [
    ["hitCount", hitCount],
    ["missCount", missCount],
    ["errorCount", errorCount],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0)
      throw new ValidationError(field, v, "must be a non-negative integer");
  }
  const total = hitCount + missCount;
  return Object.freeze({ hitCount, missCount, errorCount, hitRate: total > 0 ? hitCount / total : 0 });
}

export const EMPTY_CACHE_STATS: CacheStats = cacheStats();
