import { ledgerEntry, ohlcv, position, tick, ValidationError } from "@qts/contracts";
import type { SheetsEmulator } from "@qts/testkit";
import { describe, expect, it } from "vitest";
import { InMemoryAdapter, type SyncProgress, syncDataSources } from "../src/index.js";
import { sheetsAdapter, startEmulator } from "./sheets-helpers.js";

const T = Date.UTC(2024, 0, 2, 0, 0);
const MIN = 60_000;

function bars(symbol: string, n: number) {
  return Array.from({ length: n }, (_, i) =>
    ohlcv({
      time: T + i * MIN,
      symbol,
      open: 10 + i,
      high: 12 + i,
      low: 9 + i,
      close: 11 + i,
      volume: 100 + i,
    }),
  );
}

async function seed(a: InMemoryAdapter | ReturnType<typeof sheetsAdapter>) {
  await a.updatePosition("AAPL", "10.5", "187.25");
  await a.updatePosition("MSFT", "-3", "410");
  for (let i = 0; i < 30; i++) {
    await a.appendLedger(
      ledgerEntry({
        timestamp: T + (i % 10) * 1000, // identical timestamps: ids must not be what matches entries
        symbol: i % 3 === 0 ? "NVDA" : "AAPL",
        side: "BUY",
        qty: 1,
        price: "1e-12",
        amount: 0,
        orderId: `o-${i % 25}`, // a few genuine duplicates
      }),
    );
  }
  await a.appendOhlcv(bars("AAPL", 120), "1m");
  await a.appendOhlcv(bars("ES", 1), "1d");
  const ticks = Array.from({ length: 40 }, (_, i) =>
    tick({ time: T + Math.floor(i / 2), symbol: i % 4 === 0 ? "MSFT" : "AAPL", price: "1.5", volume: 1 }),
  );
  await a.appendTicks(ticks);
}

const MARKET_ONLY = ["S1", "S2", "S3", "S4", "S5"];

/** Bars (30 × 1m) and ticks (20) for five symbols that have no position and no ledger row. */
async function seedMarketDataOnly(a: InMemoryAdapter | ReturnType<typeof sheetsAdapter>) {
  for (const symbol of MARKET_ONLY) {
    await a.appendOhlcv(bars(symbol, 30), "1m");
    await a.appendTicks(
      Array.from({ length: 20 }, (_, i) =>
        tick({ time: T + Math.floor(i / 4), symbol, price: `${i}.5`, volume: i }),
      ),
    );
  }
}

async function storeCounts(a: InMemoryAdapter) {
  let barCount = 0;
  let tickCount = 0;
  for (const s of MARKET_ONLY) {
    barCount += (await a.fetchOhlcv(s, new Date(0), new Date(T + 86_400_000), "1m")).length;
    tickCount += (await a.fetchTickData(s, new Date(0), new Date(T + 86_400_000))).length;
  }
  return { bars: barCount, ticks: tickCount };
}

describe("syncDataSources", () => {
  it("copies memory → memory, idempotently, and verifies", async () => {
    const from = new InMemoryAdapter();
    const to = new InMemoryAdapter();
    await seed(from);
    const seen: SyncProgress[] = [];
    const first = await syncDataSources(from, to, { symbols: ["ES"], onProgress: (p) => seen.push(p) });
    expect(first.symbols).toEqual(["AAPL", "ES", "MSFT", "NVDA"]);
    expect(first.positions.copied).toBe(2);
    expect(first.ledger).toEqual({ copied: 30, alreadyPresent: 0 });
    expect(first.bars.copied).toBe(121); // 120 × 1m (coarser intervals are aggregations: not copied) + 1 × 1d
    expect(first.ticks).toEqual({ copied: 40, alreadyPresent: 0 });
    expect(first.verification?.consistent).toBe(true);
    expect(new Set(seen.map((p) => p.phase))).toEqual(
      new Set(["positions", "ledger", "bars", "ticks", "verify"]),
    );
    expect(seen.filter((p) => p.phase === "ticks").at(-1)).toMatchObject({ done: 4, total: 4 });
    expect(await to.fetchOhlcv("AAPL", new Date(T), new Date(T + 120 * MIN), "1h")).toEqual(
      await from.fetchOhlcv("AAPL", new Date(T), new Date(T + 120 * MIN), "1h"),
    );

    const second = await syncDataSources(from, to, { symbols: ["ES"] });
    expect(second.positions.copied).toBe(0);
    expect(second.bars.copied).toBe(0);
    expect(second.ledger).toEqual({ copied: 0, alreadyPresent: 30 });
    expect(second.ticks).toEqual({ copied: 0, alreadyPresent: 40 });
    expect(second.verification?.consistent).toBe(true);
    expect(await to.fetchLedger({ limit: 1000 })).toHaveLength(30);
  });

  it("copies only what the target lacks and reports a target that still differs", async () => {
    const from = new InMemoryAdapter();
    const to = new InMemoryAdapter();
    await seed(from);
    const some = (await from.fetchLedger({ symbol: "NVDA" })).slice(0, 4);
    for (const e of some) await to.appendLedger(e);
    await to.appendTicks((await from.fetchTickData("MSFT", new Date(T), new Date(T + 100))).slice(0, 3));
    const report = await syncDataSources(from, to, { verify: false });
    expect(report.ledger).toEqual({ copied: 26, alreadyPresent: 4 });
    expect(report.ticks.alreadyPresent).toBe(3);
    expect(report.verification).toBeNull();
    await from.updatePosition("AAPL", 99, 1);
    const again = await syncDataSources(from, to, { start: new Date(T), end: new Date(T + 5000) });
    expect(again.positions.copied).toBe(1);
    expect(again.verification?.consistent).toBe(true);
  });

  it("migrates a spreadsheet (SHEETS_ONLY) into another store, with verification", async () => {
    const emu: SheetsEmulator = await startEmulator();
    try {
      const sheets = sheetsAdapter(emu);
      await seed(sheets);
      await sheets.putPosition(position({ symbol: "TSLA", qty: 1, avgPrice: 2, market: "NASDAQ" }));
      const db = new InMemoryAdapter();
      const report = await syncDataSources(sheets, db, { symbols: ["ES"] });
      expect(report.verification).toMatchObject({ consistent: true, ledgerMissing: 0, ticksMissing: 0 });
      expect(report.ledger.copied).toBe(30);
      expect((await db.fetchPosition("MSFT"))?.qty.toString()).toBe("-3");
      // And back: a store synced from itself copies nothing.
      const back = await syncDataSources(db, sheets, { symbols: ["ES"] });
      expect(back.ledger.copied).toBe(0);
      expect(back.ticks.copied).toBe(0);
      expect(back.verification?.consistent).toBe(true);
      await sheets.close();
    } finally {
      await emu.close();
    }
  });

  it("copies bars and ticks of symbols with no position or ledger row, verifies, and a rerun copies nothing", async () => {
    const from = new InMemoryAdapter();
    const to = new InMemoryAdapter();
    await seedMarketDataOnly(from);
    const first = await syncDataSources(from, to);
    expect(first.symbols).toEqual(MARKET_ONLY);
    expect(first.sourceSymbols).toEqual({ positions: [], ledger: [], bars: MARKET_ONLY, ticks: MARKET_ONLY });
    expect(first.bars).toEqual({
      copied: 5 * 30,
      alreadyPresent: 5 * (6 + 2 + 1 + 1 + 1 + 1), // 5m, 15m, 30m, 1h, 4h, 1d: the target aggregates them
    });
    expect(first.ticks).toEqual({ copied: 5 * 20, alreadyPresent: 0 });
    expect(first.verification?.consistent).toBe(true);
    const counts = await storeCounts(to);
    expect(counts).toEqual({ bars: 150, ticks: 100 });

    const second = await syncDataSources(from, to);
    expect(second.bars.copied).toBe(0);
    expect(second.ticks).toEqual({ copied: 0, alreadyPresent: 100 });
    expect(second.ledger.copied).toBe(0);
    expect(second.verification?.consistent).toBe(true);
    expect(await storeCounts(to)).toEqual(counts);
  });

  it("rewrites only the bar intervals the target serves differently", async () => {
    const from = new InMemoryAdapter();
    const to = new InMemoryAdapter();
    await seedMarketDataOnly(from);
    await syncDataSources(from, to);
    // The target now holds a stored 5m bar of S1 that differs from what the source serves (an aggregation).
    const [first] = await from.fetchOhlcv("S1", new Date(T), new Date(T + 5 * MIN), "5m");
    await to.appendOhlcv([ohlcv({ ...first!, volume: 1 })], "5m");
    const report = await syncDataSources(from, to);
    expect(report.bars.copied).toBe(6); // S1's six 5m bars, nothing else
    expect(report.verification?.consistent).toBe(true);
    expect(await to.fetchOhlcv("S1", new Date(T), new Date(T + 30 * MIN), "5m")).toEqual(
      await from.fetchOhlcv("S1", new Date(T), new Date(T + 30 * MIN), "5m"),
    );
  });

  it("copies a spreadsheet whose market data has no position (every tab's symbols)", async () => {
    const emu: SheetsEmulator = await startEmulator();
    try {
      const sheets = sheetsAdapter(emu);
      await seedMarketDataOnly(sheets);
      const db = new InMemoryAdapter();
      const report = await syncDataSources(sheets, db);
      expect(report.symbols).toEqual(MARKET_ONLY);
      expect(report.bars.copied).toBe(150);
      expect(report.ticks.copied).toBe(100);
      expect(report.verification?.consistent).toBe(true);
      const again = await syncDataSources(sheets, db);
      expect([again.bars.copied, again.ticks.copied, again.ticks.alreadyPresent]).toEqual([0, 0, 100]);
      expect(await storeCounts(db)).toEqual({ bars: 150, ticks: 100 });
      await sheets.close();
    } finally {
      await emu.close();
    }
  });

  it("rejects a bad window or symbol before copying anything", async () => {
    const to = new InMemoryAdapter();
    const from = new InMemoryAdapter();
    await from.updatePosition("AAPL", 1, 1);
    await expect(
      syncDataSources(from, to, { start: new Date(T + 1), end: new Date(T) }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await to.fetchPositions()).toEqual([]);
    await expect(syncDataSources(from, to, { symbols: [""] })).rejects.toBeInstanceOf(ValidationError);
    await expect(syncDataSources(from, to, { batchSize: 0 })).rejects.toBeInstanceOf(ValidationError);
    expect(await to.fetchPositions()).toEqual([]);
  });
});
