import { describe, expect, it } from "vitest";
import {
  CACHE_KEY_PREFIX,
  CACHE_TTL_MS,
  CACHE_TYPES,
  CACHE_VERSION_FIELD,
  type CacheClient,
  CacheType,
  cacheKey,
  cacheStats,
  EMPTY_CACHE_STATS,
  isBatchCacheClient,
  isCacheType,
  isTtlReadingCacheClient,
  isVersionedBatchCacheClient,
  isVersionedCacheClient,
  validateCacheType,
} from "../src/index.js";
import { expectValidation } from "./helpers.js";

describe("CacheType", () => {
  it("is a frozen object of the six string constants", () => {
    expect(CacheType).toEqual({
      PRICE: "price",
      POSITION: "position",
      ORDERBOOK: "orderbook",
      RISK: "risk",
      ORDER: "order",
      STRATEGY: "strategy",
    });
    expect(CacheType.POSITION).toBe("position");
    expect(Object.isFrozen(CacheType)).toBe(true);
    expect(CACHE_TYPES).toEqual(["price", "position", "orderbook", "risk", "order", "strategy"]);
    expect(Object.isFrozen(CACHE_TYPES)).toBe(true);
  });

  it("isCacheType / validateCacheType accept only the six values", () => {
    for (const t of CACHE_TYPES) expect(isCacheType(t)).toBe(true);
    for (const bad of ["POSITION", "pos", "", "toString", "constructor", null, 1]) {
      expect(isCacheType(bad)).toBe(false);
      expectValidation(() => validateCacheType(bad), "type", bad);
    }
  });
});

describe("CACHE_TTL_MS", () => {
  it("holds the TTLs of SPEC.md in milliseconds and is frozen", () => {
    expect(CACHE_TTL_MS).toEqual({
      price: 100,
      position: 1000,
      orderbook: 50,
      risk: 5000,
      order: 60_000,
      strategy: 60_000,
    });
    expect(Object.isFrozen(CACHE_TTL_MS)).toBe(true);
    expect(() => {
      (CACHE_TTL_MS as Record<string, number>).price = 1;
    }).toThrow(TypeError);
  });
});

describe("cacheKey", () => {
  it.each([
    [CacheType.PRICE, "price:AAPL"],
    [CacheType.POSITION, "pos:AAPL"],
    [CacheType.ORDERBOOK, "book:AAPL"],
    [CacheType.RISK, "risk:AAPL"],
    [CacheType.ORDER, "ord:AAPL"],
    [CacheType.STRATEGY, "strat:AAPL"],
  ])("%s → %s", (type, key) => {
    expect(cacheKey(type, "AAPL")).toBe(key);
    expect(key.startsWith(`${CACHE_KEY_PREFIX[type]}:`)).toBe(true);
  });

  it("keeps the id verbatim (colons, spaces, unicode)", () => {
    expect(cacheKey("order", "ord-1:part 2")).toBe("ord:ord-1:part 2");
    expect(cacheKey("strategy", "모멘텀")).toBe("strat:모멘텀");
  });

  it.each([[""], ["A\nB"], ["\u0000"], ["A\u007f"], [5], [null], [undefined]])("rejects id %j", (id) => {
    expectValidation(() => cacheKey("position", id as never), "id", id);
  });

  it("rejects an unknown type", () => {
    expectValidation(() => cacheKey("pos" as never, "AAPL"), "type", "pos");
  });
});

describe("cacheStats", () => {
  it("computes hitRate = hits / (hits + misses), 0 when empty", () => {
    expect(cacheStats()).toEqual({ hitCount: 0, missCount: 0, errorCount: 0, hitRate: 0 });
    expect(EMPTY_CACHE_STATS.hitRate).toBe(0);
    expect(cacheStats({ hitCount: 3, missCount: 1 }).hitRate).toBe(0.75);
    expect(cacheStats({ hitCount: 5 }).hitRate).toBe(1);
    expect(cacheStats({ missCount: 5, errorCount: 2 })).toEqual({
      hitCount: 0,
      missCount: 5,
      errorCount: 2,
      hitRate: 0,
    });
    // errors do not count in the rate
    expect(cacheStats({ hitCount: 1, missCount: 1, errorCount: 100 }).hitRate).toBe(0.5);
  });

  it("returns an immutable snapshot", () => {
    const s = cacheStats({ hitCount: 1 });
    expect(Object.isFrozen(s)).toBe(true);
    expect(() => {
      (s as { hitCount: number }).hitCount = 2;
    }).toThrow(TypeError);
    expect(s.hitCount).toBe(1);
    expect(Object.isFrozen(EMPTY_CACHE_STATS)).toBe(true);
  });

  it.each(["hitCount", "missCount", "errorCount"])("rejects a negative or fractional %s", (field) => {
    expectValidation(() => cacheStats({ [field]: -1 }), field, -1);
    expectValidation(() => cacheStats({ [field]: 0.5 }), field, 0.5);
  });
});

describe("VersionedCacheClient capability", () => {
  it("isVersionedCacheClient tells clients with setIfNewer from those without", () => {
    const plain = { get: async () => null } as unknown as CacheClient;
    const versioned = { get: async () => null, setIfNewer: async () => true } as unknown as CacheClient;
    expect(isVersionedCacheClient(plain)).toBe(false);
    expect(isVersionedCacheClient(versioned)).toBe(true);
    expect(CACHE_VERSION_FIELD).toBe("version");
  });

  it("batch and TTL-reading capabilities each have one guard (a versioned batch needs setIfNewer too)", () => {
    const plain = { get: async () => null } as unknown as CacheClient;
    const batch = { setMany: async () => 0 } as unknown as CacheClient;
    const manyOnly = { setManyIfNewer: async () => 0 } as unknown as CacheClient;
    const versionedBatch = {
      setIfNewer: async () => true,
      setManyIfNewer: async () => 0,
    } as unknown as CacheClient;
    const ttl = { getWithTtl: async () => null } as unknown as CacheClient;
    expect([plain, batch, manyOnly, versionedBatch, ttl].map(isBatchCacheClient)).toEqual([
      false,
      true,
      false,
      false,
      false,
    ]);
    expect([plain, batch, manyOnly, versionedBatch, ttl].map(isVersionedBatchCacheClient)).toEqual([
      false,
      false,
      false,
      true,
      false,
    ]);
    expect([plain, batch, manyOnly, versionedBatch, ttl].map(isTtlReadingCacheClient)).toEqual([
      false,
      false,
      false,
      false,
      true,
    ]);
  });
});
