import { ledgerEntry, ohlcv, tick } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { InMemoryAdapter, syncDataSources } from "../src/index.js";
import { pgliteAdapter, pgliteForFile } from "./timescale-pglite-helpers.js";

// The TimescaleDB path (hypertables, continuous aggregates): listing symbols and syncing out of it.
const pglite = pgliteForFile();

const T = Date.UTC(2024, 0, 2);

describe("syncDataSources out of TimescaleDB (PGlite)", () => {
  it("finds the symbols of every table (hypertables included) and copies them all", async () => {
    const db = await pgliteAdapter(pglite.url, "sync");
    try {
      await db.updatePosition("AAPL", 1, 1);
      await db.appendLedger(
        ledgerEntry({ timestamp: T, symbol: "NVDA", side: "BUY", qty: 1, price: 1, amount: 1 }),
      );
      for (const symbol of ["S1", "S2", "S3"]) {
        await db.appendOhlcv(
          [0, 1, 2].map((i) =>
            ohlcv({ time: T + i * 60_000, symbol, open: 1, high: 3, low: 1, close: 2, volume: 1 }),
          ),
          "1m",
        );
      }
      await db.appendTicks(
        ["S4", "S5", "S4"].map((symbol, i) => tick({ time: T + i, symbol, price: 1, volume: 1 })),
      );
      expect(await db.listSymbols()).toEqual({
        positions: ["AAPL"],
        ledger: ["NVDA"],
        bars: ["S1", "S2", "S3"],
        ticks: ["S4", "S5"],
      });
      const target = new InMemoryAdapter();
      const report = await syncDataSources(db, target);
      expect(report.symbols).toEqual(["AAPL", "NVDA", "S1", "S2", "S3", "S4", "S5"]);
      expect([report.bars.copied, report.ticks.copied, report.ledger.copied]).toEqual([9, 3, 1]);
      expect(report.verification?.consistent).toBe(true);
      expect((await syncDataSources(db, target)).bars.copied).toBe(0);
    } finally {
      await db.close();
    }
  }, 60_000);
});
