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

  it("rejects a bad window or symbol before copying anything", async () => {
    const to = new InMemoryAdapter();
    const from = new InMemoryAdapter();
    await from.updatePosition("AAPL", 1, 1);
    await expect(
      syncDataSources(from, to, { start: new Date(T + 1), end: new Date(T) }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await to.fetchPositions()).toEqual([]);
    await expect(syncDataSources(from, to, { symbols: [""] })).rejects.toBeInstanceOf(ValidationError);
    expect(await to.fetchPositions()).toEqual([]);
  });
});
