import { CircuitBreaker, RedisCacheClient } from "@qts/cache";
import { applyFillToPosition, EventType, ledgerEntryFromFill, type Position } from "@qts/contracts";
import { startPrivateRedis } from "@qts/testkit";
import { describe, expect, it } from "vitest";
import { bookableFill } from "../src/session/fills.js";
import { symbolNames, syntheticSession } from "../src/session/synthetic.js";
import { CacheManager, EventLog, pgStore, pgUrl, service, waitFor } from "./helpers/services.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(pgUrl === null)("Redis faults during a replay-like workload (private Redis)", () => {
  it("SIGSTOP, then SIGKILL, then restart; then a second crash: 0 failed position reads, one BROKER_DISCONNECT per outage, CLOSED after each", async () => {
    const maybeRedis = await service(() => startPrivateRedis());
    if (maybeRedis === null) return;
    const redis = maybeRedis;
    const store = await pgStore(pgUrl!, "fault");
    const events = new EventLog();
    // Recovery (400 ms) shorter than the first outage: probes fail and re-open the circuit while Redis is
    // hung or dead, and the outage must still page exactly once.
    const breaker = new CircuitBreaker({ failureThreshold: 5, recoveryTimeoutMs: 400 });
    const failedProbes: number[] = [];
    breaker.onStateChange((to, from) => {
      if (from === "HALF_OPEN" && to === "OPEN") failedProbes.push(Date.now());
    });
    const client = new RedisCacheClient({ url: redis.url, namespace: "qts:fault:" });
    const m = new CacheManager(client, store.db, { breaker, eventSink: events, metricsIntervalMs: 0 });
    try {
      await workload();
    } finally {
      await m.close();
      await client.close();
      await redis.destroy();
      await store.drop();
    }

    async function workload() {
      const symbols = symbolNames(6);
      const fills = [
        ...syntheticSession({
          seed: 11,
          symbols,
          minutes: 60,
          ticksPerMinute: 60,
          fillRate: 0.2,
          start: new Date("2024-03-01T14:30:00Z"),
          orderPrefix: "F",
        }).batches(),
      ].flatMap((b) => b.fills);

      let running = true;
      let reads = 0;
      let failedReads = 0;
      const readErrors: unknown[] = [];
      let acked = 0;
      let pricesFailed = 0;
      const books = new Map<string, Position>();
      const readers = Array.from({ length: 4 }, async (_, k) => {
        for (let i = k; running; i++) {
          try {
            await m.getPosition(symbols[i % symbols.length]!);
            reads++;
          } catch (err) {
            failedReads++;
            readErrors.push(err);
          }
          await sleep(1);
        }
      });
      const writer = (async () => {
        for (const f of fills) {
          if (!running) break;
          const booked = bookableFill(f);
          const next = applyFillToPosition(books.get(f.symbol) ?? null, booked);
          await store.db.appendLedger(ledgerEntryFromFill(booked));
          expect(await m.updatePositionOnFill(f.symbol, next.qty, next.avgPrice)).toBe(true);
          books.set(f.symbol, next);
          acked++;
          await m
            .pushPrice(f.symbol, { price: f.price.toFixed(), timestamp: String(Date.now()) })
            .catch(() => pricesFailed++);
          await sleep(2);
        }
      })();

      try {
        await sleep(500);
        // Outage 1: hung, then crashed, then back (empty).
        redis.pause();
        expect(await waitFor(() => breaker.state === "OPEN", 5000)).toBe(true);
        await sleep(600);
        await redis.kill();
        await sleep(700);
        await redis.start();
        expect(await waitFor(() => breaker.state === "CLOSED", 15_000)).toBe(true);
        expect(failedProbes.length).toBeGreaterThan(0);
        expect(events.of(EventType.BROKER_DISCONNECT)).toHaveLength(1);
        expect(events.of(EventType.BROKER_RECONNECT)).toHaveLength(1);
        await sleep(300);
        // Outage 2: a plain crash and restart.
        await redis.kill();
        expect(await waitFor(() => breaker.state === "OPEN", 5000)).toBe(true);
        await sleep(300);
        await redis.start();
        expect(await waitFor(() => breaker.state === "CLOSED", 15_000)).toBe(true);
        await sleep(300);
      } finally {
        running = false;
        await Promise.all([...readers, writer]);
      }

      if (process.env.QTS_TEST_VERBOSE) {
        console.info(
          `redis fault: ${reads} position reads (0 failed expected: ${failedReads}), ${acked} fills, ${pricesFailed} prices not cached`,
        );
      }
      expect(readErrors).toEqual([]);
      expect(failedReads).toBe(0);
      expect(reads).toBeGreaterThan(100);
      expect(acked).toBeGreaterThan(10);
      expect(pricesFailed).toBeGreaterThan(0); // prices are cache-only: they do fail while Redis is down
      const disconnects = events.of(EventType.BROKER_DISCONNECT);
      expect(disconnects).toHaveLength(2);
      expect(disconnects.every((e) => e.priority === "P0_CRITICAL")).toBe(true);
      expect(events.of(EventType.BROKER_RECONNECT)).toHaveLength(2);
      expect(m.circuitState).toBe("CLOSED");
      // The fills made during the outages reached the DB, and the cache serves the same after recovery.
      for (const [symbol, book] of books) {
        const dbPos = await store.db.fetchPosition(symbol);
        expect(dbPos?.qty.eq(book.qty)).toBe(true);
        expect(dbPos?.avgPrice.eq(book.avgPrice)).toBe(true);
        const read = await m.getPosition(symbol);
        expect(read?.qty.eq(book.qty) && read.avgPrice.eq(book.avgPrice)).toBe(true);
      }
    }
  }, 60_000);
});
