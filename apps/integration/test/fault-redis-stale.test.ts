import { CircuitBreaker, RedisCacheClient } from "@qts/cache";
import { type DataSourceAdapter, EventType } from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";
import { startPrivateRedis } from "@qts/testkit";
import { describe, expect, it } from "vitest";
import { CacheManager, EventLog, pgStore, pgUrl, service, waitFor } from "./helpers/services.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface StaleRead {
  symbol: string;
  /** Fills acknowledged for the symbol before the read started. */
  floor: number;
  /** The qty the read returned (one unit per fill). */
  got: number;
  circuit: string;
  msAfterResume: number | null;
}

/**
 * Issue 17 item 2. A hung Redis (SIGSTOP) keeps the cache writes already sent in its socket buffers and applies
 * them when it resumes (SIGCONT), after the fills that followed were acknowledged by the store. The circuit
 * must not close into serving those entries: every read returns a position at least as new as the last fill
 * acknowledged before the read started.
 */
const stores: { name: string; open(): Promise<{ db: DataSourceAdapter; drop(): Promise<void> }> }[] = [
  {
    name: "memory",
    async open() {
      const db = new InMemoryAdapter();
      return { db, drop: () => db.close() };
    },
  },
  ...(pgUrl === null ? [] : [{ name: "PostgreSQL", open: () => pgStore(pgUrl!, "stale") }]),
];

describe.each(stores)(
  "a hung Redis resumes with stale writes in its buffers (private Redis, $name store)",
  (store) => {
    it("4 writers, 4 readers, SIGSTOP 1.5 s then SIGCONT: no read older than an acknowledged fill", async () => {
      const redis = await service(() => startPrivateRedis());
      if (redis === null) return;
      const { db, drop } = await store.open();
      const events = new EventLog();
      // A short recovery: probes run while Redis is hung and right after it resumes.
      const breaker = new CircuitBreaker({ failureThreshold: 5, recoveryTimeoutMs: 200 });
      const client = new RedisCacheClient({ url: redis.url, namespace: "qts:stale:" });
      // A long position TTL, so a stale entry cannot hide by expiring before it is read.
      const m = new CacheManager(client, db, {
        breaker,
        eventSink: events,
        metricsIntervalMs: 0,
        ttlOverridesMs: { position: 60_000 },
      });
      // 4 writers, each booking fills round-robin over its own 6 symbols (per-symbol fill order is then total).
      const symbols = Array.from({ length: 24 }, (_, i) => `S${String(i).padStart(2, "0")}`);
      const owned = (w: number) => symbols.filter((_, i) => i % 4 === w);
      const acked = new Map(symbols.map((s) => [s, 0]));
      const stale: StaleRead[] = [];
      const errors: unknown[] = [];
      let running = true;
      let resumedAt: number | null = null;
      let reads = 0;
      let readsAfterResume = 0;
      try {
        const writers = [0, 1, 2, 3].map(async (w) => {
          const mine = owned(w);
          for (let i = 0; running; i++) {
            const symbol = mine[i % mine.length]!;
            const n = acked.get(symbol)! + 1;
            try {
              // One unit per fill: the qty is the number of fills booked.
              await m.updatePositionOnFill(symbol, n, "100");
              acked.set(symbol, n);
            } catch (error) {
              errors.push(error);
              return;
            }
            await sleep(0);
          }
        });
        const readers = [0, 1, 2, 3].map(async (k) => {
          for (let i = k * 5; running; i++) {
            const symbol = symbols[i % symbols.length]!;
            const floor = acked.get(symbol)!;
            try {
              const p = await m.getPosition(symbol);
              const got = p === null ? 0 : p.qty.toNumber();
              reads++;
              if (resumedAt !== null) readsAfterResume++;
              if (got < floor) {
                stale.push({
                  symbol,
                  floor,
                  got,
                  circuit: breaker.state,
                  msAfterResume: resumedAt === null ? null : Date.now() - resumedAt,
                });
              }
            } catch (error) {
              errors.push(error);
              return;
            }
            await sleep(0);
          }
        });
        try {
          await sleep(400);
          redis.pause();
          expect(await waitFor(() => breaker.state !== "CLOSED", 5000)).toBe(true);
          await sleep(1500);
          redis.resume();
          resumedAt = Date.now();
          expect(await waitFor(() => breaker.state === "CLOSED", 10_000)).toBe(true);
          await sleep(1000);
        } finally {
          running = false;
          await Promise.all([...writers, ...readers]);
        }
        if (process.env.QTS_TEST_VERBOSE || stale.length > 0) {
          console.info(
            `stale-after-hang: ${reads} reads (${readsAfterResume} after resume), ${[...acked.values()].reduce((a, b) => a + b)} fills, ` +
              `${stale.length} stale; first: ${JSON.stringify(stale.slice(0, 3))}`,
          );
        }
        expect(errors).toEqual([]);
        expect(stale).toEqual([]);
        expect(readsAfterResume).toBeGreaterThan(50);
        // One outage (a loaded machine may add a short second one after it): each one paged and ended.
        const disconnects = events.of(EventType.BROKER_DISCONNECT).length;
        expect(disconnects).toBeGreaterThanOrEqual(1);
        expect(events.of(EventType.BROKER_RECONNECT)).toHaveLength(disconnects);
        // And the cache ends at the store's last write for every symbol.
        for (const symbol of symbols) {
          expect((await m.getPosition(symbol))?.qty.toNumber()).toBe(acked.get(symbol));
        }
      } finally {
        running = false;
        await m.close();
        await client.close();
        await redis.destroy();
        await drop();
      }
    }, 60_000);
  },
);
