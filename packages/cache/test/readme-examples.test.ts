import { CACHE_TTL_MS, CacheType, cacheKey, ManualClock } from "@qts/contracts";
import { redisTestUrl, uniqueNamespace } from "@qts/testkit";
import { describe, expect, it } from "vitest";
import {
  CircuitBreaker,
  CircuitState,
  InMemoryCacheClient,
  InMemoryCacheStore,
  RedisCacheClient,
} from "../src/index.js";

// The README examples, as written there (with a test namespace instead of "qts:").
describe("README examples", () => {
  it("single Redis", async () => {
    const cache = new RedisCacheClient({ url: await redisTestUrl(), namespace: uniqueNamespace() });
    await cache.set(
      cacheKey(CacheType.POSITION, "AAPL"),
      { qty: "10", avgPrice: "187.5" },
      CACHE_TTL_MS.position,
    );
    expect(await cache.get("pos:AAPL")).toEqual({ qty: "10", avgPrice: "187.5" });
    const many = await cache.getMany(["pos:AAPL", "pos:MSFT"]);
    expect([...many]).toEqual([
      ["pos:AAPL", { qty: "10", avgPrice: "187.5" }],
      ["pos:MSFT", null],
    ]);
    expect(await cache.delete("pos:AAPL")).toBe(true);
    await cache.set("pos:X", { a: "1" }, 1000);
    expect(await cache.flushNamespace("pos:")).toBe(1);
    expect(await cache.healthCheck()).toMatchObject({ healthy: true, source: "redis-single" });
    await cache.close();
  });

  it("versioned writes", async () => {
    const cache = new RedisCacheClient({ url: await redisTestUrl(), namespace: uniqueNamespace() });
    const positionHash = { qty: "10" };
    const olderHash = { qty: "9" };
    expect(await cache.setIfNewer("pos:AAPL", positionHash, 1000, 42)).toBe(true);
    expect(await cache.setIfNewer("pos:AAPL", olderHash, 1000, 41)).toBe(false);
    expect(await cache.get("pos:AAPL")).toEqual({ qty: "10", version: "42" });
    await cache.flushNamespace();
    await cache.close();
  });

  it("two in-memory clients on one store", async () => {
    const store = new InMemoryCacheStore();
    const a = new InMemoryCacheClient({ store, namespace: "a:" });
    const b = new InMemoryCacheClient({ store, namespace: "b:" });
    await a.set("pos:AAPL", { qty: "1" }, 1000);
    expect(await b.get("pos:AAPL")).toBeNull();
    expect(await b.flushNamespace()).toBe(0);
    expect(await a.get("pos:AAPL")).toEqual({ qty: "1" });
  });

  it("InMemoryCacheClient with a ManualClock", async () => {
    const clock = new ManualClock(Date.parse("2026-01-02T09:30:00Z"));
    const cache = new InMemoryCacheClient({ clock });
    await cache.set("price:AAPL", { price: "187.5", timestamp: String(clock.now()) }, 100);
    clock.advance(99);
    expect(await cache.get("price:AAPL")).toMatchObject({ price: "187.5" });
    clock.advance(1);
    expect(await cache.get("price:AAPL")).toBeNull();
  });

  it("CircuitBreaker guarding a call", async () => {
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker({ failureThreshold: 5, recoveryTimeoutMs: 60_000, clock });
    const log: string[] = [];
    breaker.onStateChange((to, from) => log.push(`${from} -> ${to}`));
    async function guarded<T>(call: () => Promise<T>, fallback: () => T): Promise<T> {
      if (!breaker.canExecute()) return fallback();
      try {
        const result = await call();
        breaker.recordSuccess();
        return result;
      } catch {
        breaker.recordFailure();
        return fallback();
      }
    }
    const failing = () => Promise.reject(new Error("down"));
    for (let i = 0; i < 5; i++) expect(await guarded(failing, () => "fallback")).toBe("fallback");
    expect(breaker.state).toBe(CircuitState.OPEN);
    clock.advance(60_000);
    expect(
      await guarded(
        () => Promise.resolve("ok"),
        () => "fallback",
      ),
    ).toBe("ok");
    expect(log).toEqual(["CLOSED -> OPEN", "OPEN -> HALF_OPEN", "HALF_OPEN -> CLOSED"]);
  });
});
