import { CircuitBreaker, CircuitState, InMemoryCacheClient } from "@qts/cache";
import { CacheManager } from "@qts/cache-manager";
import {
  type CacheHash,
  CacheOutOfMemoryError,
  CacheType,
  ConflictError,
  type Fill,
  fill,
  ManualClock,
  positionFromHash,
  ReadOnlyError,
  SafetyState,
  ValidationError,
} from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";
import { describe, expect, it } from "vitest";
import { sleep } from "./support.js";

const T0 = 1_700_000_000_000;

function buy(fillId: string, symbol: string, qty = "1", price = "100", side: "BUY" | "SELL" = "BUY"): Fill {
  return fill({ fillId, symbol, side, qty, price, timestamp: T0 });
}

/** An in-memory versioned client whose writes can be delayed (a delay per call reorders writes). */
class DelayedClient extends InMemoryCacheClient {
  delay: (() => number) | null = null;
  setIfNewerCalls = 0;
  setManyIfNewerCalls = 0;
  setCalls = 0;

  override async setIfNewer(key: string, hash: Readonly<CacheHash>, ttlMs: number, version: number) {
    this.setIfNewerCalls++;
    if (this.delay !== null) await sleep(this.delay());
    return super.setIfNewer(key, hash, ttlMs, version);
  }

  override async setManyIfNewer(
    entries: Iterable<readonly [string, Readonly<CacheHash>, number]>,
    ttlMs: number,
  ): Promise<number> {
    this.setManyIfNewerCalls++;
    const before = this.setIfNewerCalls;
    try {
      return await super.setManyIfNewer(entries, ttlMs); // the memory client loops over setIfNewer itself
    } finally {
      this.setIfNewerCalls = before;
    }
  }

  override async set(key: string, hash: Readonly<CacheHash>, ttlMs: number) {
    this.setCalls++;
    if (this.delay !== null) await sleep(this.delay());
    return super.set(key, hash, ttlMs);
  }
}

/** The same without versioned writes (what every client was before issue 13). */
class UnversionedClient {
  readonly inner: DelayedClient;
  constructor(inner: DelayedClient) {
    this.inner = inner;
  }
  get = (k: string) => this.inner.get(k);
  set = (k: string, h: Readonly<CacheHash>, ttl: number) => this.inner.set(k, h, ttl);
  delete = (k: string) => this.inner.delete(k);
  getMany = (keys: readonly string[]) => this.inner.getMany(keys);
  healthCheck = () => this.inner.healthCheck();
  close = async () => {};
}

class CountingStore extends InMemoryAdapter {
  fetchPositionsCalls = 0;
  fetchPositionCalls = 0;
  override async fetchPositions() {
    this.fetchPositionsCalls++;
    return super.fetchPositions();
  }
  override async fetchPosition(symbol: string) {
    this.fetchPositionCalls++;
    return super.fetchPosition(symbol);
  }
}

const opts = { metricsIntervalMs: 0, ttlOverridesMs: { position: 60_000 } } as const;

async function cachedVersion(cache: InMemoryCacheClient, symbol: string): Promise<number | null> {
  const hash = await cache.get(`pos:${symbol}`);
  return hash === null ? null : positionFromHash(hash).version;
}

describe("CacheManager.applyFill", () => {
  it("books through the store and writes the returned position through, versioned", async () => {
    const cache = new DelayedClient();
    const db = new InMemoryAdapter();
    const manager = new CacheManager(cache, db, opts);
    const first = await manager.applyFill(buy("f1", "AAPL", "10", "100"));
    expect(first.duplicate).toBe(false);
    expect(first.position.version).toBe(1);
    await manager.applyFill(buy("f2", "AAPL", "10", "110"));
    const cached = positionFromHash((await cache.get("pos:AAPL"))!);
    expect(cached.qty.toString()).toBe("20");
    expect(cached.avgPrice.toString()).toBe("105");
    expect(cached.version).toBe(2);
    expect(cache.setIfNewerCalls).toBe(2);
    expect(cache.setCalls).toBe(0);
    // the same fill again: duplicate, nothing moves
    const again = await manager.applyFill(buy("f2", "AAPL", "10", "110"));
    expect(again.duplicate).toBe(true);
    expect(again.position.version).toBe(2);
    expect(await cachedVersion(cache, "AAPL")).toBe(2);
    expect((await db.fetchLedger({ symbol: "AAPL" })).length).toBe(2);
    // a hit afterwards, no store read
    expect((await manager.getPosition("AAPL"))?.version).toBe(2);
    expect(manager.getStats(CacheType.POSITION).hitCount).toBe(1);
    await manager.close();
  });

  it("rejects in FAIL and LOCKDOWN with ReadOnlyError, and bad input or a conflict, writing nothing", async () => {
    const cache = new DelayedClient();
    const db = new InMemoryAdapter();
    const manager = new CacheManager(cache, db, opts);
    await manager.applyFill(buy("f1", "MSFT"));
    await expect(manager.applyFill(buy("f1", "MSFT", "2"))).rejects.toBeInstanceOf(ConflictError);
    await expect(manager.applyFill({ ...buy("x", "MSFT"), qty: "0" } as never)).rejects.toBeInstanceOf(
      ValidationError,
    );
    for (const state of [SafetyState.FAIL, SafetyState.LOCKDOWN]) {
      await manager.setSafetyState(state);
      await expect(manager.applyFill(buy(`f-${state}`, "MSFT"))).rejects.toBeInstanceOf(ReadOnlyError);
    }
    await manager.setSafetyState(SafetyState.NORMAL);
    expect((await db.fetchLedger({ symbol: "MSFT" })).length).toBe(1);
    expect((await db.fetchPosition("MSFT"))?.version).toBe(1);
    await manager.close();
  });

  it("a fill queued behind another when FAIL begins is refused too", async () => {
    const cache = new DelayedClient();
    cache.delay = () => 20;
    const manager = new CacheManager(cache, new InMemoryAdapter(), opts);
    const first = manager.applyFill(buy("q1", "TSLA"));
    const second = manager.applyFill(buy("q2", "TSLA"));
    await manager.setSafetyState(SafetyState.FAIL);
    await expect(first).resolves.toMatchObject({ duplicate: false });
    await expect(second).rejects.toBeInstanceOf(ReadOnlyError);
    await manager.close();
  });
});

describe("versioned cache writes: two managers, one store, one cache", () => {
  it("a late write of an older position does not overwrite a newer one (and would without versions)", async () => {
    for (const versioned of [true, false]) {
      const inner = new DelayedClient();
      const db = new InMemoryAdapter();
      const client = versioned ? inner : new UnversionedClient(inner);
      const slow = new CacheManager(client, db, opts);
      const fast = new CacheManager(client, db, opts);
      let calls = 0;
      inner.delay = () => (calls++ === 0 ? 30 : 0); // the first cache write (slow's, version 1) lands last
      const a = slow.applyFill(buy("a", "NVDA"));
      await sleep(5);
      await fast.applyFill(buy("b", "NVDA"));
      await a;
      const store = (await db.fetchPosition("NVDA"))!.version;
      expect(store).toBe(2);
      expect(await cachedVersion(inner, "NVDA")).toBe(versioned ? 2 : 1);
      await Promise.all([slow.close(), fast.close()]);
    }
  });

  it("racing fills of two managers never leave the cache older than an acknowledged version", async () => {
    const cache = new DelayedClient();
    cache.delay = () => Math.random() * 3;
    const db = new InMemoryAdapter();
    const managers = [new CacheManager(cache, db, opts), new CacheManager(cache, db, opts)];
    const symbols = ["A", "B", "C", "D"];
    const acked = new Map<string, number>();
    let violations = 0;
    let samples = 0;
    let running = true;
    const sampler = (async () => {
      while (running) {
        for (const sym of symbols) {
          const before = acked.get(sym) ?? 0;
          const v = await cachedVersion(cache, sym);
          samples++;
          if (v !== null && v < before) violations++;
        }
        await sleep(0);
      }
    })();
    await Promise.all(
      managers.map(async (m, w) => {
        for (let i = 0; i < 100; i++) {
          const sym = symbols[i % symbols.length] as string;
          const r = await m.applyFill(buy(`w${w}-${i}`, sym, "1", String(100 + i)));
          acked.set(sym, Math.max(acked.get(sym) ?? 0, r.position.version));
        }
      }),
    );
    running = false;
    await sampler;
    expect(samples).toBeGreaterThan(50);
    expect(violations).toBe(0);
    for (const sym of symbols) {
      const stored = (await db.fetchPosition(sym))!;
      expect(stored.version).toBe(50);
      expect(await cachedVersion(cache, sym)).toBe(stored.version);
    }
    await Promise.all(managers.map((m) => m.close()));
  });
});

describe("warmUp", () => {
  it("1,000 stored positions: one store query and one pipelined versioned write, then hits only", async () => {
    const db = new CountingStore();
    for (let i = 0; i < 1000; i++) await db.applyFill(buy(`w${i}`, `S${i}`, "1", "10"));
    const cache = new DelayedClient();
    const manager = new CacheManager(cache, db, opts);
    expect(await manager.warmUp()).toBe(1000);
    expect(db.fetchPositionsCalls).toBe(1);
    expect(db.fetchPositionCalls).toBe(0);
    expect(cache.setManyIfNewerCalls).toBe(1);
    expect(cache.setIfNewerCalls + cache.setCalls).toBe(0);
    for (let i = 0; i < 1000; i += 97) expect((await manager.getPosition(`S${i}`))?.version).toBe(1);
    expect(db.fetchPositionCalls).toBe(0);
    await manager.close();
  });

  it("filters by symbols and never puts an older version over a newer one", async () => {
    const db = new CountingStore();
    await db.applyFill(buy("a", "AAA"));
    await db.applyFill(buy("b", "BBB"));
    const cache = new DelayedClient();
    await cache.setIfNewer("pos:AAA", { symbol: "AAA", qty: "9", avgPrice: "9" }, 60_000, 7);
    const manager = new CacheManager(cache, db, opts);
    expect(await manager.warmUp(["AAA", " BBB "])).toBe(1); // AAA is cached at version 7 already
    expect(await cachedVersion(cache, "AAA")).toBe(7);
    expect(await cachedVersion(cache, "BBB")).toBe(1);
    await expect(manager.warmUp([""])).rejects.toBeInstanceOf(ValidationError);
    await manager.setSafetyState(SafetyState.FAIL);
    expect(await manager.warmUp()).toBe(0);
    await manager.close();
  });
});

describe("out of memory on writes", () => {
  it("does not open the circuit: reads keep hitting, the refused key is deleted, the write rejects OOM", async () => {
    const clock = new ManualClock(T0);
    const cache = new DelayedClient({ clock });
    const breaker = new CircuitBreaker({ clock, failureThreshold: 3, recoveryTimeoutMs: 1000 });
    const manager = new CacheManager(cache, new InMemoryAdapter({ clock }), { ...opts, clock, breaker });
    await manager.pushPrice("AAPL", { price: "1" });
    await manager.applyFill(buy("o1", "AAPL"));
    const full = () => Promise.reject(new CacheOutOfMemoryError("OOM command not allowed"));
    cache.set = full;
    cache.setIfNewer = full;
    for (let i = 0; i < 10; i++) {
      await expect(manager.pushPrice("MSFT", { price: String(i) })).rejects.toBeInstanceOf(
        CacheOutOfMemoryError,
      );
    }
    const booked = await manager.applyFill(buy("o2", "AAPL")); // the store booked it; the cache copy goes
    expect(booked.position.version).toBe(2);
    expect(breaker.state).toBe(CircuitState.CLOSED);
    expect(await manager.getPrice("AAPL")).toEqual({ price: "1" });
    await sleep(0);
    expect(await cache.get("pos:AAPL")).toBeNull(); // deleted, not left at version 1
    expect((await manager.getPosition("AAPL"))?.version).toBe(2);
    expect(manager.getStats(CacheType.PRICE).errorCount).toBe(10);
    await manager.close();
  });
});
