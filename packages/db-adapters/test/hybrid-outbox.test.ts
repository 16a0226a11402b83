import {
  ConflictError,
  type DataSourceAdapter,
  DataSourceUnavailableError,
  fill,
  type LedgerEntry,
  ledgerEntry,
} from "@qts/contracts";
import { afterEach, expect, it } from "vitest";
import { HybridAdapter, InMemoryAdapter } from "../src/index.js";
import { describePg, migratedAdapter, pgUrlOrNull, type SchemaAdapter } from "./timescale-helpers.js";

const url = await pgUrlOrNull();
const T = Date.UTC(2024, 0, 2, 9, 30);
const WRITES = new Set([
  "updatePosition",
  "putPosition",
  "appendLedger",
  "applyFill",
  "appendOhlcv",
  "appendTicks",
]);

/** A memory store whose writes can be made to fail (unavailable) and are logged in the order they landed. */
function flakySecondary(): { store: DataSourceAdapter; log: string[]; setDown(down: boolean): void } {
  const mem = new InMemoryAdapter({ name: "secondary" });
  const log: string[] = [];
  let down = false;
  const store = new Proxy(mem, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof key !== "string" || !WRITES.has(key) || typeof value !== "function") {
        return typeof value === "function" ? value.bind(target) : value;
      }
      return async (...args: unknown[]) => {
        if (down) throw new DataSourceUnavailableError("secondary down", { source: "secondary" });
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        log.push(
          `${key}:${String(args[0] && typeof args[0] === "object" ? (args[0] as { symbol?: string }).symbol : args[0])}:${String(args[1] ?? "")}`,
        );
        return result;
      };
    },
  });
  return { store, log, setDown: (d) => (down = d) };
}

const entry = (i: number, orderId = `o${i}`): LedgerEntry =>
  ledgerEntry({
    timestamp: T + i,
    symbol: "AAA",
    side: "BUY",
    qty: "1",
    price: "2.5",
    amount: "2.5",
    orderId,
  });

const open: { close(): Promise<void> }[] = [];
const dbs: SchemaAdapter[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close().catch(() => undefined);
  for (const d of dbs.splice(0)) await d.drop();
});

describePg(url, "HybridAdapter outbox relay (TimescaleAdapter primary)", () => {
  it("delivers the outbox in commit order across several relay passes (150 updates of one position)", async () => {
    const db = await migratedAdapter(url as string, "outbox_order");
    dbs.push(db);
    const sec = flakySecondary();
    const h = new HybridAdapter(db.adapter, sec.store, { retry: { baseDelayMs: 5, maxDelayMs: 20 } });
    open.push(h);
    expect(h.durableBacklog).toBe(true);
    expect(db.adapter.outboxEnabled).toBe(true);
    sec.setDown(true);
    for (let i = 0; i < 150; i++) await h.updatePosition("AAA", i, "1");
    expect((await db.adapter.outboxStats()).depth).toBe(150);
    const health = await h.healthCheck();
    expect(health.details).toMatchObject({ outbox: true, outboxDepth: 150, degraded: true });
    expect(Number(health.details?.outboxOldestAgeMs)).toBeGreaterThanOrEqual(0);
    sec.setDown(false);
    await h.drain(30_000);
    expect(sec.log).toEqual(Array.from({ length: 150 }, (_, i) => `updatePosition:AAA:${i}`));
    expect((await sec.store.fetchPosition("AAA"))?.qty.toString()).toBe("149");
    expect((await db.adapter.outboxStats()).depth).toBe(0);
    expect(h.backlog).toBe(0);
  });

  it("a replay of rows a crashed relay had delivered makes no duplicate (ledger by content, fills by fillId)", async () => {
    const db = await migratedAdapter(url as string, "outbox_replay");
    dbs.push(db);
    const sec = flakySecondary();
    sec.setDown(true);
    const h = new HybridAdapter(db.adapter, sec.store, { retry: { baseDelayMs: 5, maxDelayMs: 20 } });
    open.push(h);
    await h.appendLedger(entry(1, "same"));
    await h.appendLedger(entry(1, "same")); // two identical entries are two entries
    await h.appendLedger(entry(2));
    const f1 = fill({
      fillId: "F1",
      symbol: "AAA",
      side: "BUY",
      qty: "3",
      price: "10",
      timestamp: new Date(T + 3),
    });
    const booked = await h.applyFill(f1);
    // What a relay that crashed before deleting its rows had already delivered: one of the twins, and the fill.
    sec.setDown(false);
    const mem = sec.store;
    await mem.appendLedger(entry(1, "same"));
    await mem.appendLedger(booked.entry);
    await h.drain(30_000);
    const ledger = await mem.fetchLedger({ limit: 100 });
    expect(ledger.filter((e) => e.orderId === "same")).toHaveLength(2);
    expect(ledger.filter((e) => e.orderId === "o2")).toHaveLength(1);
    expect(ledger.filter((e) => e.fillId === "F1")).toHaveLength(1);
    expect((await mem.fetchPosition("AAA"))?.qty.toString()).toBe("3");
    expect((await h.verifyConsistency()).consistent).toBe(true);
  });

  it("a write the primary rejects leaves no outbox row (same statement)", async () => {
    const db = await migratedAdapter(url as string, "outbox_atomic");
    dbs.push(db);
    const h = new HybridAdapter(db.adapter, new InMemoryAdapter());
    open.push(h);
    await h.appendLedger(ledgerEntry({ ...entry(5), fillId: "X" }));
    await h.drain(10_000);
    await expect(h.appendLedger(ledgerEntry({ ...entry(6), fillId: "X" }))).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect((await db.adapter.outboxStats()).depth).toBe(0);
    // A duplicate fill changes nothing, so it records nothing either.
    const f = fill({
      fillId: "F9",
      symbol: "BBB",
      side: "SELL",
      qty: "1",
      price: "7",
      timestamp: new Date(T),
    });
    await h.applyFill(f);
    await h.drain(10_000);
    expect((await h.applyFill(f)).duplicate).toBe(true);
    expect((await db.adapter.outboxStats()).depth).toBe(0);
  });

  it("racing updates of one position from two processes end the same on both stores (ids in lock order)", async () => {
    const db = await migratedAdapter(url as string, "outbox_race", {
      pool: { minConnections: 0, maxConnections: 6 },
    });
    dbs.push(db);
    const { TimescaleAdapter } = await import("../src/timescale/index.js");
    const other = new TimescaleAdapter({
      dsn: url as string,
      schema: db.schema,
      outbox: true,
      pool: { maxConnections: 6 },
    });
    open.push(other);
    const sec = flakySecondary();
    const h = new HybridAdapter(db.adapter, sec.store, { retry: { baseDelayMs: 5, maxDelayMs: 20 } });
    open.push(h);
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 2
            ? h.updatePosition("RACE", round * 100 + i, "1")
            : other.updatePosition("RACE", round * 100 + i, "2"),
        ),
      );
      await h.drain(30_000);
      const [p, s] = await Promise.all([db.adapter.fetchPosition("RACE"), sec.store.fetchPosition("RACE")]);
      expect([s?.qty.toFixed(), s?.avgPrice.toFixed()]).toEqual([p?.qty.toFixed(), p?.avgPrice.toFixed()]);
    }
    expect(sec.log.length).toBe(200);
  });

  it("two relays on one outbox (two processes' hybrids) deliver each row once", async () => {
    const db = await migratedAdapter(url as string, "outbox_two");
    dbs.push(db);
    const other = await import("../src/timescale/index.js").then(
      (m) => new m.TimescaleAdapter({ dsn: url as string, schema: db.schema, pool: { minConnections: 0 } }),
    );
    const sec = flakySecondary();
    sec.setDown(true);
    const a = new HybridAdapter(db.adapter, sec.store, { retry: { baseDelayMs: 5, maxDelayMs: 20 } });
    const b = new HybridAdapter(other, sec.store, { retry: { baseDelayMs: 5, maxDelayMs: 20 } });
    open.push(a, b);
    for (let i = 0; i < 60; i++) await (i % 2 ? a : b).appendLedger(entry(100 + (i % 10), `t${i % 10}`));
    sec.setDown(false);
    await Promise.all([a.drain(30_000), b.drain(30_000)]);
    const ledger = await sec.store.fetchLedger({ limit: 1000 });
    expect(ledger).toHaveLength(60);
    expect((await a.verifyConsistency()).consistent).toBe(true);
  });
});
