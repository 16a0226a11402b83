import {
  DataSourceError,
  DataSourceUnavailableError,
  ledgerEntry,
  ohlcv,
  tick,
  ValidationError,
} from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { type GoogleSheetsAdapter, HybridAdapter, InMemoryAdapter, syncDataSources } from "../src/index.js";
import { describeDataSourceConformance } from "../src/testing/index.js";
import { TimescaleAdapter } from "../src/timescale/index.js";
import { sheetsAdapter } from "./sheets-helpers.js";
import { timescaleAndSheetsForFile } from "./timescale-sheets-helpers.js";

// The production HYBRID pairing: TimescaleAdapter (real PostgreSQL) primary, Sheets (emulator) secondary.
const stores = await timescaleAndSheetsForFile();
const { url, skipReason } = stores;

async function timescale(): Promise<TimescaleAdapter> {
  const s = await stores.schema("hybrid");
  const db = new TimescaleAdapter({
    dsn: url as string,
    schema: s.schema,
    pool: { minConnections: 0, maxConnections: 4 },
  });
  await db.migrate();
  return db;
}

const T = Date.UTC(2024, 0, 2, 9, 30);

if (url !== null) {
  describeDataSourceConformance(
    "HybridAdapter(TimescaleAdapter, GoogleSheetsAdapter)",
    async () => new HybridAdapter(await timescale(), sheetsAdapter(stores.emu)),
    { scale: 0.05 },
  );
}

describe("HybridAdapter(TimescaleAdapter, GoogleSheetsAdapter)", () => {
  it("Sheets unavailable during 200 writes, then back: drain() leaves no difference", async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const db = await timescale();
    const sheets = sheetsAdapter(stores.emu, { retry: { deadlineMs: 200, baseDelayMs: 5, maxDelayMs: 20 } });
    const h = new HybridAdapter(db, sheets, { retry: { baseDelayMs: 10, maxDelayMs: 100 } });
    try {
      await sheets.fetchPositions(); // tabs exist
      stores.emu.injectFailures({ status: 503, count: Number.POSITIVE_INFINITY });
      for (let i = 0; i < 200; i++) {
        if (i % 5 === 0) await h.updatePosition(`S${i % 7}`, i, "1.25");
        else if (i % 5 === 4)
          await h.appendTicks([tick({ time: T + i, symbol: "S1", price: "0.1", volume: i })]);
        else {
          await h.appendLedger(
            ledgerEntry({
              timestamp: T + i,
              symbol: `S${i % 3}`,
              side: "SELL",
              qty: "0.5",
              price: "1e-12",
              amount: 0,
              orderId: `o${i}`,
            }),
          );
        }
      }
      const health = await h.healthCheck();
      expect(health.healthy).toBe(true);
      expect(health.details).toMatchObject({ degraded: true, secondaryHealthy: false });
      expect(Number(health.details?.backlog)).toBeGreaterThan(0);
      stores.emu.clearFailures();
      await h.drain(60_000);
      const report = await h.verifyConsistency();
      expect(report.consistent).toBe(true);
      expect(await sheets.fetchLedger({ limit: 1000 })).toHaveLength(120);
      expect(await sheets.fetchTickData("S1", new Date(T), new Date(T + 1000))).toHaveLength(40);
      expect((await h.healthCheck()).details?.degraded).toBe(false);
    } finally {
      await h.close();
    }
  }, 120_000);

  it("primary unreachable: reads are served by the spreadsheet", async () => {
    const sheets: GoogleSheetsAdapter = sheetsAdapter(stores.emu);
    await sheets.updatePosition("AAPL", 5, 100);
    const unreachable = new TimescaleAdapter({
      dsn: "postgres://postgres@127.0.0.1:1/none",
      pool: { minConnections: 0, maxConnections: 1, commandTimeoutMs: 1000 },
    });
    const h = new HybridAdapter(unreachable, sheets, { closeDrainTimeoutMs: 300 });
    try {
      expect((await h.fetchPosition("AAPL"))?.qty.toString()).toBe("5");
      await expect(h.updatePosition("AAPL", 6, 100)).rejects.toBeInstanceOf(DataSourceUnavailableError);
      const health = await h.healthCheck();
      expect(health.healthy).toBe(false);
      expect(health.details?.fallbackReads).toBe(1);
      // The primary refused the write, so the spreadsheet never saw it: nothing to queue, nothing diverged.
      expect(h.backlog).toBe(0);
      expect((await sheets.fetchPosition("AAPL"))?.qty.toString()).toBe("5");
      // The pending writes are outbox rows in the primary: while it is unreachable the relay cannot confirm the
      // outbox is empty, so drain() reports that instead of claiming success.
      expect(h.durableBacklog).toBe(true);
      await expect(h.drain(300)).rejects.toBeInstanceOf(DataSourceUnavailableError);
    } finally {
      await h.close();
    }
  });

  it("an entry PostgreSQL rejects (NUL in orderId) is not written to the spreadsheet alone", async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const db = await timescale();
    const sheets = sheetsAdapter(stores.emu);
    const h = new HybridAdapter(db, sheets);
    try {
      const good = (i: number) =>
        ledgerEntry({
          timestamp: T + i,
          symbol: "AAPL",
          side: "BUY",
          qty: 1,
          price: 1,
          amount: 1,
          orderId: `o-${i}`,
        });
      await h.appendLedger(good(1));
      // The record factories may refuse NUL themselves (then nothing reaches either store either).
      const bad = { ...good(2), orderId: "o-\u00002" };
      const refused = await h.appendLedger(bad).then(
        () => null,
        (e: unknown) => e,
      );
      // PostgreSQL refuses it (DataSourceError, not an outage), or the record factory already does.
      expect(refused instanceof ValidationError || refused instanceof DataSourceError).toBe(true);
      expect(refused).not.toBeInstanceOf(DataSourceUnavailableError);
      await h.appendLedger(good(3));
      await h.drain();
      expect((await sheets.fetchLedger()).map((e) => e.orderId)).toEqual(["o-3", "o-1"]);
      expect((await db.fetchLedger()).map((e) => e.orderId)).toEqual(["o-3", "o-1"]);
      expect(h.needsRepair).toBe(false);
      expect((await h.verifyConsistency()).consistent).toBe(true);
      const repaired = await h.repair();
      expect(repaired).toMatchObject({ positionsWritten: 0, ledgerAppended: 0 });
      expect(repaired.unrepairable.ledger).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it("sync copies bars and ticks of symbols with no position, both ways between Sheets and PostgreSQL", async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const db = await timescale();
    const sheets = sheetsAdapter(stores.emu);
    const symbols = ["S1", "S2", "S3", "S4", "S5"];
    try {
      for (const symbol of symbols) {
        await sheets.appendOhlcv(
          Array.from({ length: 10 }, (_, i) =>
            ohlcv({ time: T + i * 60_000, symbol, open: 1, high: 20, low: 0, close: i, volume: i }),
          ),
          "1m",
        );
        await sheets.appendTicks(
          Array.from({ length: 4 }, (_, i) => tick({ time: T + i, symbol, price: `${i}.25`, volume: 1 })),
        );
      }
      await sheets.updatePosition("AAPL", 1, 1);
      const into = await syncDataSources(sheets, db);
      expect(into.symbols).toEqual(["AAPL", ...symbols]);
      expect([into.bars.copied, into.ticks.copied]).toEqual([50, 20]);
      expect(into.verification?.consistent).toBe(true);
      expect(await db.listSymbols()).toEqual({
        positions: ["AAPL"],
        ledger: [],
        bars: symbols,
        ticks: symbols,
      });
      const hybrid = new HybridAdapter(db, sheets);
      expect((await hybrid.listSymbols?.())?.ticks).toEqual(symbols);
      const again = await syncDataSources(sheets, db);
      expect([again.bars.copied, again.ticks.copied, again.ticks.alreadyPresent]).toEqual([0, 0, 20]);
      // And out of the database into an empty store: every symbol is found there too.
      const back = await syncDataSources(db, new InMemoryAdapter());
      expect(back.symbols).toEqual(["AAPL", ...symbols]);
      expect([back.bars.copied, back.ticks.copied]).toEqual([50, 20]);
      expect(back.verification?.consistent).toBe(true);
    } finally {
      await Promise.all([db.close(), sheets.close()]);
    }
  });

  it("sync migrates a spreadsheet into the database (SHEETS_ONLY → HYBRID)", async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const db = await timescale();
    const sheets = sheetsAdapter(stores.emu);
    try {
      for (let i = 0; i < 20; i++) {
        await sheets.appendLedger(
          ledgerEntry({
            timestamp: T + (i % 4),
            symbol: "AAPL",
            side: "BUY",
            qty: 1,
            price: "187.25",
            amount: "187.25",
          }),
        );
      }
      await sheets.updatePosition("AAPL", 20, "187.25");
      const report = await syncDataSources(sheets, db);
      expect(report.ledger.copied).toBe(20);
      expect(report.verification?.consistent).toBe(true);
      expect((await syncDataSources(sheets, db)).ledger.copied).toBe(0);
    } finally {
      await Promise.all([db.close(), sheets.close()]);
    }
  });
});
