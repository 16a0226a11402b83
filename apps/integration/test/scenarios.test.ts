import { CircuitBreaker, RedisCacheClient } from "@qts/cache";
import { InProcessEventBus } from "@qts/cache-manager";
import {
  CacheType,
  type DataSourceAdapter,
  Decimal,
  EventType,
  ledgerEntry,
  ManualClock,
  Priority,
  positionFromHash,
  ReadOnlyError,
  SafetyState,
} from "@qts/contracts";
import { HybridAdapter, InMemoryAdapter } from "@qts/db-adapters";
import { startPrivateRedis, startSheetsEmulator, uniqueNamespace } from "@qts/testkit";
import type { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CacheManager,
  EventLog,
  emulatedSheets,
  keysUnder,
  pgStore,
  pgUrl,
  rawRedis,
  redisUrl,
  service,
} from "./helpers/services.js";

const d = (x: string) => new Decimal(x);

describe.skipIf(pgUrl === null || redisUrl === null)(
  "integration scenarios on real PostgreSQL and Redis",
  () => {
    let store: Awaited<ReturnType<typeof pgStore>>;
    let client: RedisCacheClient;
    let raw: Redis;
    let ns: string;
    const cleanup: (() => Promise<unknown>)[] = [];

    beforeEach(async () => {
      store = await pgStore(pgUrl!);
      ns = uniqueNamespace("qtsit");
      client = new RedisCacheClient({ url: redisUrl!, namespace: ns });
      raw = rawRedis(redisUrl!);
    });

    afterEach(async () => {
      for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
      await client.flushNamespace().catch(() => undefined);
      await client.close();
      raw.disconnect();
      await store.drop();
    });

    function manager(
      db: DataSourceAdapter = store.db,
      extra: ConstructorParameters<typeof CacheManager>[2] = {},
    ) {
      const m = new CacheManager(client, db, { metricsIntervalMs: 0, ...extra });
      cleanup.push(() => m.close());
      return m;
    }

    it("cache-aside: miss -> hit -> invalidate -> miss", async () => {
      await store.db.updatePosition("AAPL", "10", "187.5");
      const m = manager();
      expect((await m.getPosition("AAPL"))?.qty.toFixed()).toBe("10");
      expect(m.getStats(CacheType.POSITION)).toMatchObject({ hitCount: 0, missCount: 1 });
      expect(await raw.exists(`${ns}pos:AAPL`)).toBe(1);
      expect((await m.getPosition("AAPL"))?.avgPrice.toFixed()).toBe("187.5");
      expect(m.getStats(CacheType.POSITION)).toMatchObject({ hitCount: 1, missCount: 1 });
      await m.invalidate(CacheType.POSITION, "AAPL");
      expect(await raw.exists(`${ns}pos:AAPL`)).toBe(0);
      await store.db.updatePosition("AAPL", "11", "188");
      expect((await m.getPosition("AAPL"))?.qty.toFixed()).toBe("11");
      expect(m.getStats(CacheType.POSITION)).toMatchObject({ hitCount: 1, missCount: 2 });
    });

    it("write-through leaves qty in the Redis hash as a plain decimal string", async () => {
      const m = manager();
      const cases: [string, string, string][] = [
        ["TINY", "0.000000000001", "0.000000000001"],
        ["NEG", "-0.000001", "-0.000001"],
        ["HUGE", "12345678901234567890.123456789", "12345678901234567890.123456789"],
        ["E", "1e-12", "0.000000000001"],
      ];
      for (const [sym, qty, plain] of cases) {
        expect(await m.updatePositionOnFill(sym, qty, "0.1")).toBe(true);
        const hash = await raw.hgetall(`${ns}pos:${sym}`);
        expect(hash.qty).toBe(plain);
        expect(hash.avgPrice).toBe("0.1");
        expect(hash.qty).not.toMatch(/e/i);
        expect(positionFromHash(hash).qty.eq(d(qty))).toBe(true);
        expect((await store.db.fetchPosition(sym))?.qty.eq(d(qty))).toBe(true);
      }
    });

    it("32 concurrent fills on one symbol: cache and database agree afterwards", async () => {
      const m = manager();
      const fills = Array.from({ length: 32 }, (_, i) =>
        m.updatePositionOnFill("AAPL", String(i + 1), `${100 + i}.25`),
      );
      expect(await Promise.all(fills)).toEqual(Array(32).fill(true));
      const dbPos = await store.db.fetchPosition("AAPL");
      const cached = positionFromHash(await raw.hgetall(`${ns}pos:AAPL`));
      expect(dbPos?.qty.toFixed()).toBe("32");
      expect(dbPos?.avgPrice.toFixed()).toBe("131.25");
      expect(cached.qty.eq(dbPos!.qty)).toBe(true);
      expect(cached.avgPrice.eq(dbPos!.avgPrice)).toBe(true);
      expect((await m.getPosition("AAPL"))?.qty.toFixed()).toBe("32");
    });

    it("Hybrid (Timescale primary, memory secondary) behind the CacheManager: reads, dual-written ledger", async () => {
      const secondary = new InMemoryAdapter({ name: "mirror" });
      const hybrid = new HybridAdapter(store.db, secondary);
      const m = manager(hybrid);
      await m.updatePositionOnFill("MSFT", "-5", "410.5");
      expect((await m.getPosition("MSFT"))?.qty.toFixed()).toBe("-5");
      expect(await raw.exists(`${ns}pos:MSFT`)).toBe(1);
      const entry = ledgerEntry({
        timestamp: new Date("2024-01-02T15:00:00Z"),
        symbol: "MSFT",
        side: "SELL",
        qty: "5",
        price: "410.5",
        amount: "2052.5",
        orderId: "o-1",
        strategyTag: "'; DROP TABLE ledger; --",
      });
      expect(await hybrid.appendLedger(entry)).toBe(true);
      await hybrid.drain(5000);
      const [p, s] = [
        await store.db.fetchLedger({ symbol: "MSFT" }),
        await secondary.fetchLedger({ symbol: "MSFT" }),
      ];
      expect(p).toHaveLength(1);
      expect(s).toHaveLength(1);
      expect(p[0]!.strategyTag).toBe("'; DROP TABLE ledger; --");
      expect((await secondary.fetchPosition("MSFT"))?.avgPrice.toFixed()).toBe("410.5");
      const report = await hybrid.verifyConsistency();
      expect(report.consistent).toBe(true);
      expect(report.backlog).toBe(0);
    });

    it("ledger dual-write to Timescale and the Sheets emulator", async () => {
      const emu = await startSheetsEmulator();
      cleanup.push(() => emu.close());
      const { sheets } = emulatedSheets(emu);
      const hybrid = new HybridAdapter(store.db, sheets);
      const m = manager(hybrid);
      await m.updatePositionOnFill("=IMPORTRANGE(x)", "0.000000000001", "1");
      await hybrid.appendLedger(
        ledgerEntry({
          timestamp: new Date(),
          symbol: "NVDA",
          side: "BUY",
          qty: "3",
          price: "0.1",
          amount: "0.3",
          orderId: "=1+1",
        }),
      );
      await hybrid.drain(10_000);
      const fromSheets = await sheets.fetchLedger({ symbol: "NVDA" });
      expect(fromSheets.map((e) => e.orderId)).toEqual(["=1+1"]);
      expect((await store.db.fetchLedger({ symbol: "NVDA" })).map((e) => e.orderId)).toEqual(["=1+1"]);
      expect((await sheets.fetchPosition("=IMPORTRANGE(x)"))?.qty.toFixed()).toBe("0.000000000001");
      expect((await hybrid.verifyConsistency()).consistent).toBe(true);
    });

    it("events carry their priorities", async () => {
      const bus = new InProcessEventBus();
      const seen: { type: string; priority: string }[] = [];
      bus.subscribe((e) => {
        seen.push({ type: e.type, priority: e.priority });
      });
      const m = manager(store.db, { eventSink: bus });
      m.publishMetrics();
      await m.setOperatingState("AGGRESSIVE");
      await m.setSafetyState(SafetyState.WARNING);
      expect(seen).toContainEqual({ type: EventType.METRIC_RECORD, priority: Priority.P3_LOW });
      expect(seen).toContainEqual({ type: EventType.OPERATING_STATE_CHANGED, priority: Priority.P2_MEDIUM });
      expect(seen).toContainEqual({ type: EventType.SAFETY_STATE_CHANGED, priority: Priority.P1_HIGH });
      const critical: string[] = [];
      bus.subscribe((e) => void critical.push(e.type), { minPriority: Priority.P1_HIGH });
      m.publishMetrics();
      expect(critical).toEqual([]);
    });

    it("safety states: FAIL read-only, LOCKDOWN flushes and bypasses the cache, NORMAL restores", async () => {
      const m = manager();
      await m.updatePositionOnFill("AAPL", "1", "10");
      await m.pushPrice("AAPL", { price: "10", timestamp: String(Date.now()) });
      await m.setSafetyState(SafetyState.FAIL);
      await expect(m.updatePositionOnFill("AAPL", "2", "10")).rejects.toBeInstanceOf(ReadOnlyError);
      await expect(
        m.pushPrice("AAPL", { price: "11", timestamp: String(Date.now()) }),
      ).rejects.toBeInstanceOf(ReadOnlyError);
      expect((await store.db.fetchPosition("AAPL"))?.qty.toFixed()).toBe("1");
      expect((await m.getPosition("AAPL"))?.qty.toFixed()).toBe("1");

      await m.setSafetyState(SafetyState.LOCKDOWN);
      expect(await keysUnder(raw, ns)).toEqual([]);
      expect(await m.getPrice("AAPL")).toBeNull();
      expect((await m.getPosition("AAPL"))?.qty.toFixed()).toBe("1");
      expect(await keysUnder(raw, ns)).toEqual([]);
      await expect(m.updatePositionOnFill("AAPL", "3", "10")).rejects.toBeInstanceOf(ReadOnlyError);

      await m.setSafetyState(SafetyState.NORMAL);
      expect(await m.updatePositionOnFill("AAPL", "4", "10")).toBe(true);
      expect((await raw.hgetall(`${ns}pos:AAPL`)).qty).toBe("4");
    });
  },
);

describe.skipIf(pgUrl === null)("breaker recovery on a private Redis", () => {
  it("opens on a hung Redis (BROKER_DISCONNECT P0), reads fall back to the DB, closes after recovery (P1)", async () => {
    const redis = await service(() => startPrivateRedis());
    if (redis === null) return;
    const store = await pgStore(pgUrl!);
    const clock = new ManualClock(Date.now());
    const breaker = new CircuitBreaker({ failureThreshold: 3, recoveryTimeoutMs: 5000, clock });
    const events = new EventLog();
    const client = new RedisCacheClient({ url: redis.url, namespace: "qts:" });
    const m = new CacheManager(client, store.db, { breaker, eventSink: events, metricsIntervalMs: 0 });
    try {
      await m.updatePositionOnFill("AAPL", "7", "1.5");
      redis.pause();
      for (let i = 0; i < 3; i++) expect((await m.getPosition("AAPL"))?.qty.toFixed()).toBe("7");
      expect(m.circuitState).toBe("OPEN");
      expect(events.of(EventType.BROKER_DISCONNECT).map((e) => e.priority)).toEqual([Priority.P0_CRITICAL]);
      expect((await m.getPosition("AAPL"))?.qty.toFixed()).toBe("7"); // open: straight to the DB
      redis.resume();
      clock.advance(5000);
      expect(m.circuitState).toBe("HALF_OPEN");
      expect((await m.getPosition("AAPL"))?.qty.toFixed()).toBe("7");
      expect(m.circuitState).toBe("CLOSED");
      expect(events.of(EventType.BROKER_RECONNECT).map((e) => e.priority)).toEqual([Priority.P1_HIGH]);
      expect(events.of(EventType.BROKER_DISCONNECT)).toHaveLength(1);
    } finally {
      await m.close();
      await client.close();
      await redis.destroy();
      await store.drop();
    }
  });
});
