import { type Fill, MAX_LEDGER_LIMIT } from "@qts/contracts";
import type { SheetsEmulator } from "@qts/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { HybridAdapter } from "../src/index.js";
import { expectPositionIsFoldOfLedger, expectSamePosition, randomFills } from "../src/testing/index.js";
import { sheetsAdapter, startEmulator } from "./sheets-helpers.js";
import { describePg, migratedAdapter, pgUrlOrNull } from "./timescale-helpers.js";

// HYBRID as deployed: PostgreSQL primary books the fills, the spreadsheet mirrors them.
const url = await pgUrlOrNull();
let emu: SheetsEmulator;
const drops: (() => Promise<void>)[] = [];
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu?.close();
  for (const d of drops) await d().catch(() => undefined);
});

describePg(url, "HybridAdapter(TimescaleAdapter, Sheets).applyFill", () => {
  it("Sheets answering 503 after applying writes: the secondary ends with every fill once and the primary's positions", async () => {
    const { adapter: db, drop } = await migratedAdapter(url!, "hybrid_fills", {
      pool: { minConnections: 0, maxConnections: 4 },
    });
    drops.push(drop);
    const sheets = sheetsAdapter(emu);
    const h = new HybridAdapter(db, sheets, { retry: { baseDelayMs: 10, maxDelayMs: 100 } });
    try {
      await sheets.fetchPositions(); // tabs exist before failures start
      emu.injectFailures({
        status: 503,
        afterApply: true,
        count: 25,
        methods: ["values.append", "values.batchUpdate"],
      });
      const plans: Fill[][] = [0, 1, 2, 3].map((w) =>
        randomFills(w % 2 === 0 ? "AAPL" : "MSFT", 12, 77 + w, `h${w}`),
      );
      await Promise.all(
        plans.map(async (fills) => {
          for (const f of fills) await h.applyFill(f);
        }),
      );
      // A caller retrying after a lost reply: duplicates at the hybrid, no second row anywhere.
      const again = await h.applyFill(plans[0]![0]!);
      expect(again.duplicate).toBe(true);
      await h.drain(60_000);
      expect(emu.injectedFailures).toBeGreaterThan(0);

      const issued = plans
        .flat()
        .map((f) => f.fillId)
        .sort();
      for (const store of [db, sheets]) {
        const ledger = await store.fetchLedger({ limit: MAX_LEDGER_LIMIT });
        expect(ledger.map((e) => e.fillId).sort(), store.name).toEqual(issued);
      }
      for (const symbol of ["AAPL", "MSFT"]) {
        const truth = await expectPositionIsFoldOfLedger(db, symbol);
        expectSamePosition((await sheets.fetchPosition(symbol))!, truth, `sheets ${symbol}`);
      }
      const report = await h.verifyConsistency();
      expect(report.consistent).toBe(true);
      expect(report.backlog).toBe(0);
    } finally {
      emu.clearFailures();
      await h.close();
    }
  }, 120_000);
});
