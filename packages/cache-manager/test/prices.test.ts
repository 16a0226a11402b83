import { InMemoryCacheClient } from "@qts/cache";
import { CacheManager } from "@qts/cache-manager";
import {
  CacheStaleDataError,
  CacheType,
  CacheUnavailableError,
  ManualClock,
  OperatingState,
  ValidationError,
} from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";
import { describe, expect, it } from "vitest";
import { rig } from "./support.js";

describe("prices (real-time push, cache only)", () => {
  it("pushPrice writes with the price TTL; getPrice reads it; a miss is null and never reads the DB", async () => {
    const { manager, db, clock, cache } = rig();
    expect(await manager.pushPrice("AAPL", { price: "150.5", timestamp: String(clock.now()) })).toBe(true);
    expect(await manager.getPrice("AAPL")).toEqual({ price: "150.5", timestamp: String(clock.now()) });
    expect(await cache.get("price:AAPL")).not.toBeNull();
    clock.advance(100);
    expect(await manager.getPrice("AAPL")).toBeNull();
    expect(await manager.getPrice("NEVER")).toBeNull();
    expect(db.fetchPositionCalls).toBe(0);
    expect(manager.getStats(CacheType.PRICE)).toMatchObject({ hitCount: 1, missCount: 2, errorCount: 0 });
    expect(manager.getStats(CacheType.POSITION).missCount).toBe(0);
  });

  it("a cache error on getPrice is null plus an error count; pushPrice rejects with CacheUnavailableError", async () => {
    const { manager, faulty } = rig({ threshold: 100 });
    faulty.mode = "fail";
    expect(await manager.getPrice("AAPL")).toBeNull();
    await expect(manager.pushPrice("AAPL", { price: "1" })).rejects.toBeInstanceOf(CacheUnavailableError);
    expect(manager.getStats(CacheType.PRICE)).toMatchObject({ hitCount: 0, missCount: 0, errorCount: 2 });
  });

  it("rejects a non-string price field with ValidationError before touching the cache", async () => {
    const { manager, faulty } = rig();
    await expect(manager.pushPrice("AAPL", { price: 1 } as never)).rejects.toBeInstanceOf(ValidationError);
    await expect(manager.pushPrice("", { price: "1" })).rejects.toBeInstanceOf(ValidationError);
    expect(faulty.totalCalls).toBe(0);
  });

  it("getPriceChecked accepts fresh prices and rejects missing, undated or stale ones", async () => {
    const { manager, clock } = rig({ ttlOverridesMs: { price: 10_000 } });
    await expect(manager.getPriceChecked("AAPL")).rejects.toBeInstanceOf(CacheStaleDataError);
    await manager.pushPrice("AAPL", { price: "1", timestamp: String(clock.now()) });
    await expect(manager.getPriceChecked("AAPL")).resolves.toMatchObject({ price: "1" });
    clock.advance(100);
    await expect(manager.getPriceChecked("AAPL")).resolves.toMatchObject({ price: "1" }); // exactly 100 ms
    clock.advance(1);
    const stale = await manager.getPriceChecked("AAPL").catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(CacheStaleDataError);
    expect((stale as CacheStaleDataError).ageMs).toBe(101);
    expect((stale as CacheStaleDataError).key).toBe("price:AAPL");
    await expect(manager.getPriceChecked("AAPL", 500)).resolves.toMatchObject({ price: "1" });

    await manager.pushPrice("NOTS", { price: "1" });
    await expect(manager.getPriceChecked("NOTS")).rejects.toBeInstanceOf(CacheStaleDataError);
    await manager.pushPrice("BADTS", { price: "1", timestamp: "yesterday" });
    const bad = await manager.getPriceChecked("BADTS").catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(CacheStaleDataError);
    expect((bad as CacheStaleDataError).ageMs).toBeNull();
    await expect(manager.getPriceChecked("AAPL", -1)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe("generic entries", () => {
  it("setCached/getCached use each type's TTL and count stats per type", async () => {
    const { manager, clock } = rig();
    const ttls: Array<[CacheType, number]> = [
      [CacheType.ORDERBOOK, 50],
      [CacheType.RISK, 5000],
      [CacheType.ORDER, 60_000],
      [CacheType.STRATEGY, 60_000],
    ];
    for (const [type] of ttls) expect(await manager.setCached(type, "id1", { v: type })).toBe(true);
    for (const [type, ttl] of ttls) {
      expect(manager.ttlMs(type)).toBe(ttl);
      const start = clock.now();
      clock.set(start + ttl - 1);
      expect(await manager.getCached(type, "id1")).toEqual({ v: type });
      clock.set(start + ttl);
      expect(await manager.getCached(type, "id1")).toBeNull();
      clock.set(start);
      await manager.setCached(type, "id1", { v: type });
      expect(manager.getStats(type)).toMatchObject({ hitCount: 1, missCount: 1 });
    }
  });

  it("uses keys namespace + cacheKey(type, id)", async () => {
    const { manager, cache } = rig({ namespace: "m1:" });
    await manager.setCached(CacheType.ORDER, "o-1", { status: "FILLED" });
    await manager.setCached(CacheType.ORDERBOOK, "AAPL", { bid: "1" });
    await manager.pushPrice("AAPL", { price: "1" });
    await manager.updatePositionOnFill("AAPL", "1", "1");
    for (const key of ["m1:ord:o-1", "m1:book:AAPL", "m1:price:AAPL", "m1:pos:AAPL"]) {
      expect(await cache.get(key)).not.toBeNull();
    }
  });

  it("rejects unknown types and bad ids with ValidationError", async () => {
    const { manager, faulty } = rig();
    await expect(manager.getCached("nope" as CacheType, "x")).rejects.toBeInstanceOf(ValidationError);
    await expect(manager.setCached(CacheType.ORDER, "", { a: "b" })).rejects.toBeInstanceOf(ValidationError);
    await expect(manager.setCached(CacheType.ORDER, "x", { a: 1 } as never)).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(faulty.totalCalls).toBe(0);
  });

  it("ttlOverridesMs replaces the default TTL per instance", async () => {
    const { manager, clock } = rig({ ttlOverridesMs: { risk: 200 } });
    expect(manager.ttlMs(CacheType.RISK)).toBe(200);
    await manager.setCached(CacheType.RISK, "book", { var: "1" });
    clock.advance(200);
    expect(await manager.getCached(CacheType.RISK, "book")).toBeNull();
    expect(() => rig({ ttlOverridesMs: { risk: 0 } })).toThrow(ValidationError);
    expect(() => rig({ ttlOverridesMs: { nope: 1 } as never })).toThrow(ValidationError);
  });
});

describe("invalidation", () => {
  it("invalidate removes an entry and says whether it existed", async () => {
    const { manager } = rig();
    await manager.setCached(CacheType.RISK, "p1", { v: "1" });
    expect(await manager.invalidate(CacheType.RISK, "p1")).toBe(true);
    expect(await manager.invalidate(CacheType.RISK, "p1")).toBe(false);
    expect(await manager.getCached(CacheType.RISK, "p1")).toBeNull();
  });

  it("onExecutionResult drops the cached position (not the price); the next read goes to the DB", async () => {
    const { manager, db, cache, clock } = rig();
    await manager.updatePositionOnFill("AAPL", "1", "1");
    await manager.pushPrice("AAPL", { price: "9", timestamp: String(clock.now()) });
    await db.updatePosition("AAPL", "5", "1"); // another process changed the DB behind the cache
    await manager.onExecutionResult(" AAPL ");
    expect(await cache.get("pos:AAPL")).toBeNull();
    expect(await manager.getPrice("AAPL")).not.toBeNull();
    expect((await manager.getPosition("AAPL"))?.qty.eq(5)).toBe(true);
  });

  it("onOrderUpdate and onStrategyParamChanged drop order and strategy entries", async () => {
    const { manager } = rig();
    await manager.setCached(CacheType.ORDER, "o1", { s: "NEW" });
    await manager.setCached(CacheType.STRATEGY, "s1", { k: "1" });
    await manager.onOrderUpdate("o1");
    await manager.onStrategyParamChanged("s1");
    expect(await manager.getCached(CacheType.ORDER, "o1")).toBeNull();
    expect(await manager.getCached(CacheType.STRATEGY, "s1")).toBeNull();
  });

  it("an invalidation the cache could not take is replayed when the circuit closes", async () => {
    const { manager, faulty, clock, cache } = rig({ threshold: 1, recoveryMs: 1000 });
    await manager.setCached(CacheType.STRATEGY, "s1", { k: "old" });
    faulty.mode = "fail";
    await expect(manager.invalidate(CacheType.STRATEGY, "s1")).rejects.toBeInstanceOf(CacheUnavailableError);
    await manager.onStrategyParamChanged("s1"); // handlers never reject for an unreachable cache
    expect(manager.isCircuitOpen()).toBe(true);
    faulty.mode = "ok";
    expect(await cache.get("strat:s1")).not.toBeNull();
    clock.advance(1000);
    expect(await manager.getPrice("ANY")).toBeNull(); // the probe succeeds → CLOSED → replay
    await new Promise((r) => setTimeout(r, 5));
    expect(await cache.get("strat:s1")).toBeNull();
  });
});

describe("construction", () => {
  it("works with defaults and validates options", async () => {
    const clock = new ManualClock(0);
    const m = new CacheManager(new InMemoryCacheClient({ clock }), new InMemoryAdapter(), { clock });
    expect(m.operatingState).toBe(OperatingState.BALANCED);
    expect(m.safetyState).toBe("NORMAL");
    expect(m.namespace).toBe("");
    await m.close();
    expect(
      () => new CacheManager(new InMemoryCacheClient(), new InMemoryAdapter(), { cacheTimeoutMs: 0 }),
    ).toThrow(ValidationError);
    expect(
      () => new CacheManager(new InMemoryCacheClient(), new InMemoryAdapter(), { namespace: "a\nb" }),
    ).toThrow(ValidationError);
  });
});
