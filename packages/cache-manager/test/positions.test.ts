import { CacheManager } from "@qts/cache-manager";
import {
  CacheType,
  DataSourceUnavailableError,
  Decimal,
  position,
  positionFromHash,
  positionToHash,
  ValidationError,
} from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { rig, sleep } from "./support.js";

describe("getPosition (cache-aside)", () => {
  it("miss reads the DB, fills the cache with the position TTL, then hits", async () => {
    const { manager, db, cache, clock } = rig();
    await db.updatePosition("AAPL", "10", "150.25");
    const first = await manager.getPosition("AAPL");
    expect(first?.qty.eq(10)).toBe(true);
    expect(db.fetchPositionCalls).toBe(1);
    expect(manager.getStats(CacheType.POSITION)).toMatchObject({ hitCount: 0, missCount: 1, errorCount: 0 });

    const cached = await cache.get("pos:AAPL");
    expect(cached).not.toBeNull();
    expect(positionFromHash(cached!).avgPrice.eq("150.25")).toBe(true);

    const second = await manager.getPosition("AAPL");
    expect(second?.avgPrice.eq("150.25")).toBe(true);
    expect(db.fetchPositionCalls).toBe(1);
    expect(manager.getStats(CacheType.POSITION)).toMatchObject({ hitCount: 1, missCount: 1, hitRate: 0.5 });

    clock.advance(999);
    expect(await cache.get("pos:AAPL")).not.toBeNull();
    clock.advance(1);
    expect(await cache.get("pos:AAPL")).toBeNull(); // TTL 1000 ms
  });

  it("trims the symbol like the factories and rejects a bad one with ValidationError", async () => {
    const { manager, db } = rig();
    await db.updatePosition("MSFT", "1", "1");
    expect((await manager.getPosition("  MSFT "))?.symbol).toBe("MSFT");
    await expect(manager.getPosition("")).rejects.toBeInstanceOf(ValidationError);
    await expect(manager.getPosition("A\u0001")).rejects.toBeInstanceOf(ValidationError);
  });

  it("returns null for a DB miss and does not negative-cache it", async () => {
    const { manager, db, faulty } = rig();
    expect(await manager.getPosition("NONE")).toBeNull();
    expect(await manager.getPosition("NONE")).toBeNull();
    expect(db.fetchPositionCalls).toBe(2);
    expect(faulty.calls.set).toBe(0);
    expect(manager.getStats(CacheType.POSITION).missCount).toBe(2);
  });

  it("100 concurrent misses for one symbol make exactly one DB read", async () => {
    const { manager, db } = rig();
    await db.updatePosition("TSLA", "3", "200");
    db.fetchDelayMs = 5;
    const results = await Promise.all(Array.from({ length: 100 }, () => manager.getPosition("TSLA")));
    expect(db.fetchPositionCalls).toBe(1);
    for (const r of results) expect(r?.qty.eq(3)).toBe(true);
    expect(manager.getStats(CacheType.POSITION).missCount).toBe(100);
    // other symbols are not coalesced with it
    await db.updatePosition("NVDA", "1", "1");
    await Promise.all([manager.getPosition("NVDA"), manager.getPosition("AMD")]);
    expect(db.fetchPositionCalls).toBe(3);
  });

  it("single flight also covers DB reads while the cache is failing", async () => {
    const { manager, db, faulty } = rig({ threshold: 1000 });
    await db.updatePosition("TSLA", "3", "200");
    faulty.mode = "fail";
    db.fetchDelayMs = 5;
    await Promise.all(Array.from({ length: 50 }, () => manager.getPosition("TSLA")));
    expect(db.fetchPositionCalls).toBe(1);
  });

  it("a cache error falls back to the DB, counts an error (not a miss) and does not fill", async () => {
    const { manager, db, faulty } = rig();
    await db.updatePosition("AAPL", "5", "100");
    faulty.modes.get = "fail";
    const p = await manager.getPosition("AAPL");
    expect(p?.qty.eq(5)).toBe(true);
    expect(manager.getStats(CacheType.POSITION)).toMatchObject({ hitCount: 0, missCount: 0, errorCount: 1 });
    expect(faulty.calls.set).toBe(0);
  });

  it("a hanging cache times out, counts as an error and the DB answers", async () => {
    const { manager, db, faulty, breaker } = rig({ cacheTimeoutMs: 15 });
    await db.updatePosition("AAPL", "5", "100");
    faulty.modes.get = "hang";
    const started = performance.now();
    const p = await manager.getPosition("AAPL");
    expect(performance.now() - started).toBeGreaterThanOrEqual(14);
    expect(p?.qty.eq(5)).toBe(true);
    expect(manager.getStats(CacheType.POSITION).errorCount).toBe(1);
    expect(breaker.failureCount).toBe(1);
  });

  it("an undecodable hash is a miss plus an error, never an exception, and the bad entry is replaced", async () => {
    const { manager, db, faulty, cache } = rig();
    await db.updatePosition("AAPL", "7", "10");
    faulty.corrupt("pos:AAPL", { symbol: "AAPL", qty: "not-a-number", avgPrice: "1" });
    const p = await manager.getPosition("AAPL");
    expect(p?.qty.eq(7)).toBe(true);
    expect(manager.getStats(CacheType.POSITION)).toMatchObject({ hitCount: 0, missCount: 1, errorCount: 1 });
    expect(positionFromHash((await cache.get("pos:AAPL"))!).qty.eq(7)).toBe(true);
  });

  it("an undecodable hash with no DB row is deleted", async () => {
    const { manager, cache } = rig();
    await cache.set("pos:GONE", { garbage: "yes" }, 60_000);
    expect(await manager.getPosition("GONE")).toBeNull();
    expect(await cache.get("pos:GONE")).toBeNull();
    expect(manager.getStats(CacheType.POSITION).errorCount).toBe(1);
  });

  it("a hash of another symbol is not served", async () => {
    const { manager, db, cache } = rig();
    await db.updatePosition("AAPL", "1", "1");
    await cache.set("pos:AAPL", positionToHash(position({ symbol: "MSFT", qty: 9, avgPrice: 9 })), 60_000);
    expect((await manager.getPosition("AAPL"))?.qty.eq(1)).toBe(true);
    expect(manager.getStats(CacheType.POSITION).errorCount).toBe(1);
  });

  it("a hit on an unchanged entry reuses the decoded Position; a changed entry is decoded again", async () => {
    const { manager, cache, db } = rig({ ttlOverridesMs: { position: 60_000 } });
    await manager.updatePositionOnFill("AAPL", "1", "10");
    const a = await manager.getPosition("AAPL");
    // a fresh object with the same fields (what an HGETALL reply looks like)
    await cache.set("pos:AAPL", { ...(await cache.get("pos:AAPL"))! }, 60_000);
    const b = await manager.getPosition("AAPL");
    expect(b).toBe(a);
    expect(Object.isFrozen(b)).toBe(true);
    await cache.set("pos:AAPL", { ...(await cache.get("pos:AAPL"))!, qty: "2" }, 60_000);
    const c = await manager.getPosition("AAPL");
    expect(c?.qty.eq(2)).toBe(true);
    await cache.set("pos:AAPL", { ...(await cache.get("pos:AAPL"))!, qty: "oops" }, 60_000);
    expect((await manager.getPosition("AAPL"))?.qty.eq(1)).toBe(true); // undecodable → DB
    expect(manager.getStats(CacheType.POSITION)).toMatchObject({ hitCount: 3, errorCount: 1 });
    expect(db.fetchPositionCalls).toBe(2); // the write-through read-back and the fallback read
  });

  it("DB errors on a miss reject with the DB's typed error", async () => {
    const { manager, db } = rig();
    db.failReads = true;
    await expect(manager.getPosition("AAPL")).rejects.toBeInstanceOf(DataSourceUnavailableError);
  });
});

describe("updatePositionOnFill (write-through)", () => {
  it("writes the DB first, then caches the position read back from the DB", async () => {
    const { manager, db, cache } = rig();
    await expect(manager.updatePositionOnFill("AAPL", "12.5", "101.1")).resolves.toBe(true);
    expect((await db.fetchPosition("AAPL"))?.qty.eq("12.5")).toBe(true);
    const cached = positionFromHash((await cache.get("pos:AAPL"))!);
    expect(cached.qty.eq("12.5")).toBe(true);
    expect(cached.updatedAt).not.toBeNull(); // the DB's updatedAt, read back
    const hit = await manager.getPosition("AAPL");
    expect(hit?.avgPrice.eq("101.1")).toBe(true);
    expect(manager.getStats(CacheType.POSITION).hitCount).toBe(1);
  });

  it("keeps exact decimals through the cache", async () => {
    const { manager } = rig();
    await manager.updatePositionOnFill("X", "-0.000001", "12345678901234567890.123456789");
    const p = await manager.getPosition("X");
    expect(p?.qty.eq(new Decimal("-0.000001"))).toBe(true);
    expect(p?.avgPrice.eq(new Decimal("12345678901234567890.123456789"))).toBe(true);
  });

  it("a DB failure rejects with the DB's typed error and leaves the cache untouched", async () => {
    const { manager, db, faulty, cache } = rig();
    await manager.updatePositionOnFill("AAPL", "1", "1");
    const before = await cache.get("pos:AAPL");
    const setsBefore = faulty.calls.set;
    db.failWrites = true;
    await expect(manager.updatePositionOnFill("AAPL", "2", "2")).rejects.toBeInstanceOf(
      DataSourceUnavailableError,
    );
    expect(faulty.calls.set).toBe(setsBefore);
    expect(faulty.calls.delete).toBe(0);
    expect(await cache.get("pos:AAPL")).toEqual(before);
  });

  it("bad input rejects with ValidationError and writes nothing", async () => {
    const { manager, db, faulty } = rig();
    await expect(manager.updatePositionOnFill("AAPL", "NaN", "1")).rejects.toBeInstanceOf(ValidationError);
    await expect(manager.updatePositionOnFill("AAPL", "1", "-1")).rejects.toBeInstanceOf(ValidationError);
    expect(db.updatePositionCalls).toBe(0);
    expect(faulty.totalCalls).toBe(0);
  });

  it("a failed cache write deletes the stale key and still resolves true", async () => {
    const { manager, db, faulty, cache } = rig({ threshold: 100 });
    await manager.updatePositionOnFill("AAPL", "1", "1");
    faulty.modes.set = "fail";
    await expect(manager.updatePositionOnFill("AAPL", "2", "2")).resolves.toBe(true);
    expect(await cache.get("pos:AAPL")).toBeNull();
    expect((await db.fetchPosition("AAPL"))?.qty.eq(2)).toBe(true);
    expect(manager.getStats(CacheType.POSITION).errorCount).toBe(1);
    faulty.modes.set = "ok";
    expect((await manager.getPosition("AAPL"))?.qty.eq(2)).toBe(true);
  });

  it("a hanging cache write times out and the call still resolves true", async () => {
    const { manager, faulty } = rig({ threshold: 100, cacheTimeoutMs: 10 });
    faulty.modes.set = "hang";
    await expect(manager.updatePositionOnFill("AAPL", "2", "2")).resolves.toBe(true);
    expect(faulty.calls.delete).toBe(1);
  });

  it("32 concurrent writers on one symbol leave the cache equal to the DB's last write (reordering client)", async () => {
    const { manager, db, faulty, cache } = rig();
    // Random per-call delays: without per-symbol serialization an older write would land last.
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % 6;
    };
    faulty.setDelay = random;
    db.writeDelay = random;
    const writes = Array.from({ length: 32 }, (_, i) =>
      manager.updatePositionOnFill("AAPL", String(i + 1), "10"),
    );
    await Promise.all(writes);
    const inDb = await db.fetchPosition("AAPL");
    const inCache = positionFromHash((await cache.get("pos:AAPL"))!);
    expect(db.applied.at(-1)).toBe("AAPL:32");
    expect(inCache.qty.eq(inDb!.qty)).toBe(true);
    expect(inCache.qty.eq(32)).toBe(true);
  });

  it("a cache-aside fill that read the DB before a write never overwrites the newer cached value", async () => {
    const { manager, db, cache } = rig();
    await db.updatePosition("AAPL", "1", "1");
    db.fetchDelayMs = 10; // the reader's DB read is slow; the writer's read-back is slow too
    const reader = manager.getPosition("AAPL"); // reads qty 1 ...
    await sleep(1);
    db.fetchDelayMs = 0;
    await manager.updatePositionOnFill("AAPL", "2", "2"); // ... while qty 2 is written through
    await reader;
    await sleep(15);
    expect(positionFromHash((await cache.get("pos:AAPL"))!).qty.eq(2)).toBe(true);
    expect((await manager.getPosition("AAPL"))?.qty.eq(2)).toBe(true);
  });

  it("a read after a write never joins a flight that started before the write", async () => {
    const { manager, db, faulty } = rig();
    await db.updatePosition("AAPL", "1", "1");
    db.fetchDelayMs = 20;
    const early = manager.getPosition("AAPL");
    await sleep(1);
    db.fetchDelayMs = 0;
    faulty.modes.set = "fail"; // the write-through cannot cache: the next read must go to the DB again
    await manager.updatePositionOnFill("AAPL", "2", "2");
    faulty.modes.set = "ok";
    const late = await manager.getPosition("AAPL");
    expect(late?.qty.eq(2)).toBe(true);
    expect((await early)?.qty.eq(1)).toBe(true);
  });

  it("rejects a non-conforming DB that answers false instead of throwing", async () => {
    const { cache } = rig();
    const { db } = rig();
    db.updatePosition = async () => false;
    const m = new CacheManager(cache, db, { metricsIntervalMs: 0 });
    await expect(m.updatePositionOnFill("AAPL", "1", "1")).rejects.toThrow(/did not confirm/);
    expect(await cache.get("pos:AAPL")).toBeNull();
    await m.close();
  });
});
