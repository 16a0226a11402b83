import { type Fill, MAX_LEDGER_LIMIT } from "@qts/contracts";
import type { SheetsEmulator } from "@qts/testkit";
import { afterEach, expect, it } from "vitest";
import { HybridAdapter, InMemoryAdapter } from "../src/index.js";
import { expectPositionIsFoldOfLedger, expectSamePosition, randomFills } from "../src/testing/index.js";
import { admittedWrites, maxInWindow, sheetsAdapter, startEmulator } from "./sheets-helpers.js";

// Issue 15: a Hybrid whose secondary is a spreadsheet under Google's default write quota keeps up with an
// engine booking fills, because the pipeline hands the Sheets adapter whole passes (one append + one
// batchUpdate for hundreds of fills) instead of one write at a time.
const FILLS = 3000;
const PER_SECOND = 50;
const SYMBOLS = ["AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "META", "GOOG", "NFLX", "AMD", "INTC"];

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it(`Hybrid(memory, Sheets at 150 ms and 60 writes/min): ${FILLS} fills at ${PER_SECOND}/s → none dropped, within quota, consistent after drain`, async () => {
  const emu: SheetsEmulator = await startEmulator({ latencyMs: 150, quota: { writesPerMinute: 60 } });
  // The adapter's default pace: 60 write requests a minute.
  const sheets = sheetsAdapter(emu, { writeRequestsPerMinute: undefined });
  const primary = new InMemoryAdapter();
  const h = new HybridAdapter(primary, sheets, { retry: { baseDelayMs: 50, maxDelayMs: 1000 } });
  cleanup = async () => {
    await h.close().catch(() => undefined);
    await emu.close();
  };
  await sheets.fetchPositions(); // tabs and headers exist (their write requests count too)

  const perSymbol = FILLS / SYMBOLS.length;
  const plans = SYMBOLS.map((s, k) => randomFills(s, perSymbol, 1500 + k, `p-${s}`));
  const fills: Fill[] = Array.from({ length: FILLS }, (_, i) => {
    const plan = plans[i % SYMBOLS.length] as Fill[];
    return plan[Math.floor(i / SYMBOLS.length)] as Fill;
  });

  const started = Date.now();
  const backlogs: number[] = [];
  const acks: Promise<unknown>[] = [];
  for (let i = 0; i < FILLS; i++) {
    acks.push(h.applyFill(fills[i] as Fill));
    if (i % 5 === 4) {
      // 5 fills per 100 ms, on schedule (a late wake-up does not slow the rate down)
      const wait = started + ((i + 1) * 1000) / PER_SECOND - Date.now();
      if (wait > 0) await sleep(wait);
      if (i % 250 === 249) backlogs.push(h.backlog);
    }
  }
  await Promise.all(acks);
  const produced = Date.now() - started;
  const backlogAtEnd = h.backlog;
  await h.drain(60_000);
  const drained = Date.now() - started;

  // Nothing dropped, nothing left, and the spreadsheet was never asked for more than its quota.
  const health = await h.healthCheck();
  expect(health.details?.droppedWrites).toBe(0);
  expect(h.needsRepair).toBe(false);
  expect(h.backlog).toBe(0);
  expect(emu.quotaRejections).toBe(0);
  const writes = admittedWrites(emu);
  expect(maxInWindow(writes, 60_000)).toBeLessThanOrEqual(60);
  // The backlog stays bounded while fills arrive at 50/s: a pass (two write requests, whatever its size) every
  // couple of seconds, slower when the minute's quota is nearly spent (measured: 125..475), never a pile-up.
  const bound = 1000;
  expect(Math.max(...backlogs, backlogAtEnd)).toBeLessThan(bound);
  expect(drained - produced).toBeLessThan(15_000);

  // Every fill once in the sheet, positions equal to the primary's.
  const rows = emu.getSheetValues(sheets.spreadsheetId, "ledger").slice(1);
  expect(rows).toHaveLength(FILLS);
  const report = await h.verifyConsistency();
  expect(report.consistent).toBe(true);
  const sheetLedger = await sheets.fetchLedger({ limit: MAX_LEDGER_LIMIT });
  expect(new Set(sheetLedger.map((e) => e.fillId)).size).toBe(FILLS);
  for (const s of SYMBOLS) {
    const p = await primary.fetchPosition(s);
    const q = await sheets.fetchPosition(s);
    expect(p).not.toBeNull();
    expect(q).not.toBeNull();
    expectSamePosition(q!, p!, `sheet ${s}`);
    await expectPositionIsFoldOfLedger(sheets, s);
  }
  console.log(
    `[hybrid-sheets-pacing] ${FILLS} fills in ${produced} ms, drained ${drained - produced} ms later; ` +
      `write requests ${writes.length} (max ${maxInWindow(writes, 60_000)}/min), reads ${
        emu.requestLog.length - writes.length
      }, backlog samples ${backlogs.join(",")} end ${backlogAtEnd}`,
  );
}, 180_000);
