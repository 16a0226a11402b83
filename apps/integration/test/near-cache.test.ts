import { CircuitBreaker, InMemoryCacheClient, RedisCacheClient } from "@qts/cache";
import { CacheManager } from "@qts/cache-manager";
import {
  CacheType,
  type DataSourceAdapter,
  fill,
  ManualClock,
  positionToHash,
  SafetyState,
  ValidationError,
} from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";
import { type PrivateRedis, startPrivateRedis } from "@qts/testkit";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { service } from "./helpers/services.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tick = () => new Promise((r) => setImmediate(r));

async function until(check: () => boolean, ms: number, what: string): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await tick();
  }
  return performance.now() - started;
}

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const POSITION_TTL = 5000;

/**
 * Issue 13, near cache, against a private Redis (the kill tests stop it): manager B keeps positions and prices
 * in process; manager A writes through its own client (its own connection, as another process would).
 */
describe("near cache (private Redis)", () => {
  let server: PrivateRedis | null = null;
  const open: { close(): Promise<void> }[] = [];
  let n = 0;

  beforeAll(async () => {
    server = await service(() => startPrivateRedis());
  }, 60_000);
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close().catch(() => undefined);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  function client(namespace: string): RedisCacheClient {
    const c = new RedisCacheClient({ url: server!.url, namespace, socketTimeoutMs: 1000 });
    c.redis.on("error", () => undefined);
    open.push(c);
    return c;
  }

  async function pair(db: DataSourceAdapter = new InMemoryAdapter()) {
    const ns = `near${++n}:`;
    const common = {
      metricsIntervalMs: 0,
      ttlOverridesMs: { position: POSITION_TTL, price: POSITION_TTL },
      // The client's own 1 s timeout (trusted: no second deadline): the 100 ms default timed a setCached out
      // once while the whole suite loaded the machine.
      cacheTimeoutMs: 1000,
    };
    const breaker = () => new CircuitBreaker({ failureThreshold: 3, recoveryTimeoutMs: 300 });
    const a = new CacheManager(client(ns), db, { ...common, breaker: breaker() });
    const bClient = client(ns);
    const b = new CacheManager(bClient, db, {
      ...common,
      breaker: breaker(),
      nearCache: { maxEntries: 20_000, heartbeatMs: 200 },
    });
    open.push(a, b);
    await until(() => b.nearCacheStats()?.active === true, 5000, "tracking");
    return { a, b, db, ns, bClient };
  }

  it("is refused with a clear ValidationError on the memory client, a cluster client, or a client used twice", async () => {
    if (server === null) return;
    const db = new InMemoryAdapter();
    expect(() => new CacheManager(new InMemoryCacheClient(), db, { nearCache: { maxEntries: 10 } })).toThrow(
      /needs a RedisCacheClient/,
    );
    // A cluster client (its startup node is not a cluster: nothing is ever served; the refusal is up front).
    const cluster = new RedisCacheClient({
      cluster: [{ host: "127.0.0.1", port: server.port }],
      namespace: "x:",
    });
    cluster.redis.on("error", () => undefined);
    try {
      expect(() => new CacheManager(cluster, db, { nearCache: { maxEntries: 10 } })).toThrow(ValidationError);
      expect(() => new CacheManager(cluster, db, { nearCache: { maxEntries: 10 } })).toThrow(/Redis Cluster/);
    } finally {
      await cluster.close();
    }
    const c = client("twice:");
    const first = new CacheManager(c, db, { nearCache: { maxEntries: 10 }, metricsIntervalMs: 0 });
    open.push(first);
    expect(() => new CacheManager(c, db, { nearCache: { maxEntries: 10 } })).toThrow(/already feeds/);
    expect(() => new CacheManager(c, db, { nearCache: { maxEntries: 0 } })).toThrow(ValidationError);
    expect(
      () => new CacheManager(c, db, { nearCache: { maxEntries: 5, types: ["order" as never] } }),
    ).toThrow(ValidationError);
    await first.close();
    // close() stops the tracker and releases the client for another near cache
    const second = new CacheManager(c, db, { nearCache: { maxEntries: 10 }, metricsIntervalMs: 0 });
    open.push(second);
  });

  it("RedisCacheClient.getWithTtl: the hash with its remaining TTL in one round trip; null on a miss", async () => {
    if (server === null) return;
    const c = client("gwt:");
    await c.set("pos:A", { qty: "1" }, 5000);
    const got = await c.getWithTtl("pos:A");
    expect(got?.hash).toEqual({ qty: "1" });
    expect(got!.ttlMs).toBeGreaterThan(4000);
    expect(got!.ttlMs).toBeLessThanOrEqual(5000);
    expect(await c.getWithTtl("pos:none")).toBeNull();
    await c.redis.hset("gwt:pos:B", "qty", "2"); // written without a TTL by someone else
    expect(await c.getWithTtl("pos:B")).toEqual({ hash: { qty: "2" }, ttlMs: Number.POSITIVE_INFINITY });
  });

  it("serves hits from process memory; a write from A drops B's entry (delay p50/p99 over 1,000 writes)", async () => {
    if (server === null) return;
    const { a, b } = await pair();
    await a.pushPrice("AAPL", { price: "0", timestamp: "0" });
    const delays: number[] = [];
    for (let i = 1; i <= 1000; i++) {
      await until(
        () => {
          void b.getPrice("AAPL");
          return (b.nearCacheStats()?.entries ?? 0) > 0;
        },
        2000,
        "B's near entry",
      );
      const hitsBefore = b.nearCacheStats()!.hits;
      expect((await b.getPrice("AAPL"))?.price).toBe(String(i - 1)); // from process memory
      expect(b.nearCacheStats()!.hits).toBe(hitsBefore + 1);
      const sent = performance.now();
      const write = a.pushPrice("AAPL", { price: String(i), timestamp: String(i) });
      await until(() => b.nearCacheStats()!.entries === 0, 2000, "invalidation");
      delays.push(performance.now() - sent);
      await write;
      expect((await b.getPrice("AAPL"))?.price).toBe(String(i)); // never the old value after it
    }
    delays.sort((x, y) => x - y);
    const p50 = pct(delays, 50);
    const p99 = pct(delays, 99);
    console.log(
      `near-cache invalidation delay (A's write sent → B's entry gone), 1,000 writes: p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms`,
    );
    expect(delays.length).toBe(1000);
    expect(p99).toBeLessThan(1000);
  }, 120_000);

  it("a near hit is a Map lookup: no I/O, the same frozen position, fast", async () => {
    if (server === null) return;
    const { a, b, bClient } = await pair();
    await a.applyFill(
      fill({ fillId: "h1", symbol: "MSFT", side: "BUY", qty: "3", price: "400", timestamp: 1 }),
    );
    await until(
      () => {
        void b.getPosition("MSFT");
        return b.nearCacheStats()!.entries === 1;
      },
      2000,
      "near entry",
    );
    const first = await b.getPosition("MSFT");
    let commands = 0;
    const count = () => commands++;
    bClient.redis.on("commandSent" as never, count);
    const N = 100_000;
    const started = performance.now();
    for (let i = 0; i < N; i++) await b.getPosition("MSFT");
    const perCallUs = ((performance.now() - started) * 1000) / N;
    // raw ioredis HGETALL + decode, one in flight, for comparison
    const raw = new Redis(server.url);
    const M = 2000;
    const rawStarted = performance.now();
    for (let i = 0; i < M; i++) await raw.hgetall(`${a.namespace}pos:MSFT`);
    const rawUs = ((performance.now() - rawStarted) * 1000) / M;
    raw.disconnect();
    console.log(
      `near hit getPosition ${perCallUs.toFixed(3)} µs/call vs raw HGETALL ${rawUs.toFixed(1)} µs (${(perCallUs / rawUs).toFixed(4)}×)`,
    );
    expect(await b.getPosition("MSFT")).toBe(first); // the same object
    expect(commands).toBe(0);
    expect(perCallUs).toBeLessThan(rawUs);
  }, 60_000);

  it("LOCKDOWN clears it and bypasses it; back to NORMAL it fills again", async () => {
    if (server === null) return;
    const { a, b } = await pair();
    await a.pushPrice("NVDA", { price: "1" });
    await until(
      () => {
        void b.getPrice("NVDA");
        return b.nearCacheStats()!.entries === 1;
      },
      2000,
      "near entry",
    );
    await b.setSafetyState(SafetyState.LOCKDOWN);
    expect(b.nearCacheStats()).toMatchObject({ active: false, entries: 0 });
    expect(await b.getPrice("NVDA")).toBeNull();
    await b.setSafetyState(SafetyState.NORMAL);
    await a.pushPrice("NVDA", { price: "2" });
    await until(
      () => {
        void b.getPrice("NVDA");
        return b.nearCacheStats()!.entries === 1;
      },
      2000,
      "near entry again",
    );
    expect((await b.getPrice("NVDA"))?.price).toBe("2");
  });

  /**
   * A writes fills to one symbol while B reads it in a loop; every read of B is checked against the versions
   * acknowledged to A before the read started: how long had the value B got already been superseded?
   */
  async function staleness(
    a: CacheManager,
    b: CacheManager,
    symbol: string,
    fault: () => Promise<void>,
  ): Promise<{ maxStaleMs: number; reads: number; hits: number; bypasses: number }> {
    const acks: number[] = [0]; // acks[v] = when version v was acknowledged to A
    let latest = 0;
    let stop = false;
    let maxStaleMs = 0;
    let reads = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const r = await a.applyFill(
          fill({ fillId: `${symbol}-${i}`, symbol, side: "BUY", qty: "1", price: "10", timestamp: 1 }),
        );
        acks[r.position.version] = performance.now();
        latest = Math.max(latest, r.position.version);
        await sleep(2);
      }
    })();
    const reader = (async () => {
      while (!stop) {
        const started = performance.now();
        const floor = latest;
        const p = await b.getPosition(symbol);
        reads++;
        const v = p?.version ?? 0;
        if (v < floor) maxStaleMs = Math.max(maxStaleMs, started - (acks[v + 1] ?? started));
        await tick();
      }
    })();
    await sleep(500);
    await fault();
    await sleep(1500);
    stop = true;
    await Promise.all([writer, reader]);
    const s = b.nearCacheStats()!;
    return { maxStaleMs, reads, hits: s.hits, bypasses: s.bypasses };
  }

  it("CLIENT KILL of the invalidation connection: bypassed until re-subscribed, no stale read beyond TTL", async () => {
    if (server === null) return;
    const { a, b } = await pair();
    const admin = new Redis(server.url);
    try {
      const r = await staleness(a, b, "KILL", async () => {
        const list = (await admin.client("LIST")) as string;
        const id = /id=(\d+) .*name=qts-invalidation/.exec(list)?.[1];
        expect(id).toBeDefined();
        const hitsAtKill = b.nearCacheStats()!.hits;
        expect(hitsAtKill).toBeGreaterThan(0);
        expect(await admin.client("KILL", "ID", id!)).toBe(1);
        await until(() => b.nearCacheStats()!.active === false, 2000, "bypass");
        expect(b.nearCacheStats()!.entries).toBe(0);
        await until(() => b.nearCacheStats()!.active === true, 5000, "re-subscribed");
      });
      console.log(
        `CLIENT KILL: ${r.reads} reads, ${r.hits} near hits, max staleness ${r.maxStaleMs.toFixed(1)} ms`,
      );
      expect(r.bypasses).toBeGreaterThanOrEqual(1);
      expect(r.maxStaleMs).toBeLessThan(POSITION_TTL / 5);
      expect(b.nearCacheStats()!.active).toBe(true);
    } finally {
      admin.disconnect();
    }
  }, 30_000);

  it("Redis SIGKILL and restart: bypassed while down, tracking again after, no stale read beyond TTL", async () => {
    if (server === null) return;
    const srv = server;
    const { a, b, ns } = await pair();
    const r = await staleness(a, b, "CRASH", async () => {
      await srv.kill();
      await until(() => b.nearCacheStats()!.active === false, 2000, "bypass");
      expect(b.nearCacheStats()!.entries).toBe(0);
      await sleep(300);
      await srv.start();
      await until(() => b.nearCacheStats()!.active === true, 15_000, "tracking after restart");
    });
    console.log(
      `SIGKILL+restart: ${r.reads} reads, ${r.hits} near hits, max staleness ${r.maxStaleMs.toFixed(1)} ms`,
    );
    expect(r.maxStaleMs).toBeLessThan(POSITION_TTL / 5);
    // After the restart the entries come back from the store and are served near again.
    const raw = new Redis(srv.url);
    try {
      await until(
        () => {
          void b.getPosition("CRASH");
          return b.nearCacheStats()!.entries === 1;
        },
        5000,
        "near entry after restart",
      );
      const cached = await raw.hgetall(`${ns}pos:CRASH`);
      expect(Number(cached.version)).toBe((await b.getPosition("CRASH"))!.version);
    } finally {
      raw.disconnect();
    }
  }, 60_000);

  it("an entry never outlives its Redis TTL (the remaining TTL read with the hash bounds it)", async () => {
    if (server === null) return;
    const { a, ns } = await pair();
    // B's near cache runs on a manual clock, so only the expiry it computed can end the entry.
    const clock = new ManualClock(Date.now());
    const b = new CacheManager(client(ns), new InMemoryAdapter(), {
      clock,
      breaker: new CircuitBreaker(),
      metricsIntervalMs: 0,
      nearCache: { maxEntries: 10 },
    });
    open.push(b);
    await until(() => b.nearCacheStats()?.active === true, 5000, "tracking");
    await a.pushPrice("TTL", { price: "1" }); // A's price TTL: 5000 ms
    await until(
      () => {
        void b.getPrice("TTL");
        return b.nearCacheStats()!.entries === 1;
      },
      2000,
      "near entry",
    );
    const ttl = a.ttlMs(CacheType.PRICE);
    clock.advance(ttl - 1000); // the Redis PTTL read with the hash is a little under `ttl` (real ms elapsed)
    let hits = b.nearCacheStats()!.hits;
    expect((await b.getPrice("TTL"))?.price).toBe("1");
    expect(b.nearCacheStats()!.hits).toBe(hits + 1); // still near
    clock.advance(1000);
    hits = b.nearCacheStats()!.hits;
    expect((await b.getPrice("TTL"))?.price).toBe("1"); // Redis still has it (real time) ...
    expect(b.nearCacheStats()!.hits).toBe(hits); // ... but the near copy had expired with its Redis TTL
  });

  it("warmUp fills the cache in one pipeline; own writes drop the near entry before they resolve", async () => {
    if (server === null) return;
    const db = new InMemoryAdapter();
    for (let i = 0; i < 50; i++)
      await db.applyFill(
        fill({ fillId: `w${i}`, symbol: `W${i}`, side: "BUY", qty: "1", price: "5", timestamp: 1 }),
      );
    const { b, ns } = await pair(db);
    expect(await b.warmUp()).toBe(50);
    const raw = new Redis(server.url);
    try {
      expect(positionToHash((await db.fetchPosition("W7"))!).version).toBe(
        (await raw.hgetall(`${ns}pos:W7`)).version,
      );
      await until(
        () => {
          void b.getPosition("W7");
          return b.nearCacheStats()!.entries >= 1;
        },
        2000,
        "near entry",
      );
      await b.applyFill(
        fill({ fillId: "w7b", symbol: "W7", side: "BUY", qty: "1", price: "5", timestamp: 1 }),
      );
      expect((await b.getPosition("W7"))?.version).toBe(2); // not the near copy of version 1
      // setCached of a position is an own write too: the near copy is gone when it resolves
      const hits = b.nearCacheStats()!.hits;
      await until(
        () => {
          void b.getPosition("W8");
          return b.nearCacheStats()!.hits > hits; // W8 was served from process memory
        },
        2000,
        "near hit W8",
      );
      const manual = positionToHash((await db.fetchPosition("W8"))!);
      await b.setCached(CacheType.POSITION, "W8", { ...manual, qty: "99" });
      expect((await b.getPosition("W8"))?.qty.toString()).toBe("99");
    } finally {
      raw.disconnect();
    }
  });
});
