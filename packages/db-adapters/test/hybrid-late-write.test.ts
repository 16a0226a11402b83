import { type DataSourceAdapter, MAX_LEDGER_LIMIT } from "@qts/contracts";
import type { SheetsEmulator } from "@qts/testkit";
import { afterEach, expect, it } from "vitest";
import { HybridAdapter, InMemoryAdapter, syncDataSources } from "../src/index.js";
import { sheetsAdapter, startEmulator, testEntry } from "./sheets-helpers.js";
import { describePg, migratedAdapter, pgUrlOrNull } from "./timescale-helpers.js";

// Issue 15: a Sheets append that Google applies after the client gave up (the emulator holds it past the
// request timeout, then applies it) must not become a second row in a Hybrid either: measured before the fix,
// Hybrid(Timescale, Sheets) with 7 appends → 9 sheet rows that repair() called unrepairable.
const url = await pgUrlOrNull();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c().catch(() => undefined);
});

const entry = (i: number) => testEntry(i, "late");

/** 7 appends through the Hybrid, the spreadsheet holding two of them past the client's 300 ms timeout. */
async function sevenAppendsWithLateWrites(primary: DataSourceAdapter): Promise<void> {
  const emu: SheetsEmulator = await startEmulator();
  closers.push(() => emu.close());
  const sheets = sheetsAdapter(emu, {
    retry: { requestTimeoutMs: 300 },
    lateWriteWindowMs: 1500,
    snapshotMaxAgeMs: 0,
  });
  const h = new HybridAdapter(primary, sheets, { retry: { baseDelayMs: 10, maxDelayMs: 200 } });
  closers.push(() => h.close());
  await sheets.fetchLedger(); // tabs exist
  emu.injectFailures({ status: "hold", holdMs: 900, count: 2, methods: ["values.append"] });
  for (let i = 0; i < 7; i++) await h.appendLedger(entry(i));
  await h.drain(20_000);
  expect(sheets.stats.retries).toBeGreaterThanOrEqual(1); // the client did give up on a held append

  const rows = emu.getSheetValues(sheets.spreadsheetId, "ledger").slice(1);
  expect(rows).toHaveLength(7);
  expect(new Set(rows.map((r) => r[0])).size).toBe(7); // one row per id
  const ledger = await sheets.fetchLedger({ limit: MAX_LEDGER_LIMIT });
  expect(ledger.map((e) => e.orderId).sort()).toEqual(
    Array.from({ length: 7 }, (_, i) => `late-${i}`).sort(),
  );
  expect((await h.verifyConsistency()).consistent).toBe(true);
  const repaired = await h.repair();
  expect(repaired.unrepairable.positions).toEqual([]);
  expect(repaired.unrepairable.ledger).toEqual([]);

  // Sync from the spreadsheet into a fresh store copies each trade once and verifies.
  const copy = new InMemoryAdapter();
  const report = await syncDataSources(sheets, copy);
  expect(report.ledger.copied).toBe(7);
  expect(report.verification?.consistent).toBe(true);
}

it("Hybrid(memory, Sheets): appends applied late by the spreadsheet → one row per id, consistent, nothing to repair", async () => {
  await sevenAppendsWithLateWrites(new InMemoryAdapter());
});

describePg(url, "Hybrid(Timescale, Sheets) with late-applied appends", () => {
  it("one row per id, consistent, nothing unrepairable, sync copies each trade once", async () => {
    const { adapter, drop } = await migratedAdapter(url!, "hybrid_late", {
      pool: { minConnections: 0, maxConnections: 4 },
    });
    closers.push(drop);
    await sevenAppendsWithLateWrites(adapter);
  });
});
