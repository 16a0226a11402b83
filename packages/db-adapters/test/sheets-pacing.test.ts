import { DataSourceError, ValidationError } from "@qts/contracts";
import type { SheetsEmulator } from "@qts/testkit";
import { afterEach, describe, expect, it } from "vitest";
import type { GoogleSheetsAdapter } from "../src/index.js";
import { admittedWrites, maxInWindow, sheetsAdapter, startEmulator, testEntry } from "./sheets-helpers.js";

const open: { emu: SheetsEmulator; adapters: GoogleSheetsAdapter[] }[] = [];
afterEach(async () => {
  for (const { emu, adapters } of open.splice(0)) {
    await Promise.all(adapters.map((a) => a.close()));
    await emu.close();
  }
});

async function setup(
  emuOpts: Parameters<typeof startEmulator>[0],
  adapterOpts: Parameters<typeof sheetsAdapter>[1] = {},
) {
  const emu = await startEmulator(emuOpts);
  const a = sheetsAdapter(emu, adapterOpts);
  open.push({ emu, adapters: [a] });
  return { emu, a, id: a.spreadsheetId };
}

const entry = (i: number) => testEntry(i);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const writes = admittedWrites;

describe("GoogleSheetsAdapter write coalescing and quota pacing", () => {
  it("600 ledger appends at 50/s, 150 ms latency, 60 writes/min: none dropped, within quota, each row once", async () => {
    // The adapter's default pace (60 write requests a minute) against Google's default quota.
    const { emu, a, id } = await setup(
      { latencyMs: 150, quota: { writesPerMinute: 60 } },
      { writeRequestsPerMinute: undefined },
    );
    await a.fetchLedger(); // tabs and headers ready (2 write requests)
    const started = Date.now();
    const pending: Promise<boolean>[] = [];
    for (let i = 0; i < 600; i++) {
      pending.push(a.appendLedger(entry(i)));
      if (i % 5 === 4) await sleep(100); // 50 appends per second
    }
    const produced = Date.now() - started;
    expect(await Promise.all(pending)).toEqual(Array(600).fill(true));
    const drained = Date.now() - started;
    expect(emu.quotaRejections).toBe(0);
    const appends = emu.countRequests("values.append");
    // ~1 request a second (token bucket at 60/min, burst 6) instead of 600.
    expect(appends).toBeLessThanOrEqual(Math.ceil(drained / 1000) + 8);
    expect(appends).toBeGreaterThanOrEqual(3);
    expect(maxInWindow(writes(emu), 60_000)).toBeLessThanOrEqual(60);
    expect(drained - produced).toBeLessThan(5000); // the queue drains right after the producer stops
    const rows = emu.getSheetValues(id, "ledger").slice(1);
    expect(rows).toHaveLength(600);
    expect(new Set(rows.map((r) => r[0])).size).toBe(600);
    expect(new Set(rows.map((r) => r[9])).size).toBe(600);
    const ledger = await a.fetchLedger({ limit: 1000 });
    expect(ledger.map((e) => e.id).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(
      Array.from({ length: 600 }, (_, i) => i + 1),
    );
    console.log(`600 appends at 50/s: ${appends} append requests, drained ${drained} ms after start`);
  }, 60_000);

  it("coalesces position updates into one batchUpdate per flush, and N reads cost one download", async () => {
    const { emu, a, id } = await setup({ latencyMs: 20 }, { writeRequestsPerMinute: 60 });
    await a.updatePosition("AAPL", 1, 1); // creates the row
    const before = emu.countRequests("values.batchUpdate");
    const updates = [];
    for (let i = 2; i <= 40; i++) updates.push(a.updatePosition(i % 2 ? "AAPL" : "AAPL", i, i));
    await Promise.all(updates);
    expect(emu.countRequests("values.batchUpdate") - before).toBeLessThanOrEqual(3);
    expect(emu.getSheetValues(id, "positions")[1]?.slice(0, 3)).toEqual(["AAPL", "40", "40"]);
    const gets = emu.countRequests("values.batchGet");
    const reads = await Promise.all(Array.from({ length: 50 }, () => a.fetchPosition("AAPL")));
    expect(reads.every((p) => p?.qty.eq(40))).toBe(true); // our own writes are in the snapshot
    expect(emu.countRequests("values.batchGet") - gets).toBeLessThanOrEqual(1);
    await sleep(1100); // older than snapshotMaxAgeMs (1 s): the next read downloads again
    emu.setValues(id, "positions!B2", [["41"]]);
    expect((await a.fetchPosition("AAPL"))?.qty.eq(41)).toBe(true);
  });

  it("rejects a non-positive quota", () => {
    const emu = { createSpreadsheet: () => "x", rootUrl: "http://127.0.0.1:1/" } as unknown as SheetsEmulator;
    expect(() => sheetsAdapter(emu, { writeRequestsPerMinute: 0 })).toThrow(ValidationError);
  });
});

describe("GoogleSheetsAdapter: a write Google applies after the client gave up", () => {
  it("is found by its id after the late-write window: one row per id", async () => {
    const { emu, a, id } = await setup(
      {},
      { retry: { requestTimeoutMs: 300 }, lateWriteWindowMs: 1500, snapshotMaxAgeMs: 0 },
    );
    await a.appendLedger(entry(0));
    emu.injectFailures({ status: "hold", holdMs: 900, methods: ["values.append"] });
    expect(await Promise.all([a.appendLedger(entry(1)), a.appendLedger(entry(2))])).toEqual([true, true]);
    expect(await a.appendLedger(entry(3))).toBe(true);
    const rows = emu.getSheetValues(id, "ledger").slice(1);
    expect(rows.map((r) => r[0])).toEqual(["1", "2", "3", "4"]);
    expect((await a.fetchLedger()).map((e) => e.orderId).sort()).toEqual([
      "ord-0",
      "ord-1",
      "ord-2",
      "ord-3",
    ]);
    expect(a.stats.retries).toBeGreaterThanOrEqual(1);
    // A new position row held the same way is updated in place, not appended twice.
    emu.injectFailures({ status: "hold", holdMs: 900, methods: ["values.append"] });
    expect(await a.updatePosition("AAPL", 2, 3)).toBe(true);
    expect(emu.getSheetValues(id, "positions")).toHaveLength(2);
  });

  it("landing even later than the window: the duplicate id is reported for repair, never read as two trades", async () => {
    const { emu, a, id } = await setup(
      {},
      { retry: { requestTimeoutMs: 200 }, lateWriteWindowMs: 50, snapshotMaxAgeMs: 0 },
    );
    await a.appendLedger(entry(0));
    emu.injectFailures({ status: "hold", holdMs: 1200, methods: ["values.append"] });
    expect(await a.appendLedger(entry(1))).toBe(true);
    await sleep(1300);
    expect(
      emu
        .getSheetValues(id, "ledger")
        .slice(1)
        .map((r) => r[0]),
    ).toEqual(["1", "2", "2"]);
    const err = await a.fetchLedger().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataSourceError);
    expect((err as Error).message).toMatch(/ledger id 2 appears in rows 3, 4/);
    expect((await a.healthCheck()).healthy).toBe(false);
  });
});
