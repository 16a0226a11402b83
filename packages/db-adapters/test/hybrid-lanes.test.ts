import { DataSourceUnavailableError, type Fill, MAX_LEDGER_LIMIT } from "@qts/contracts";
import { afterEach, describe, expect, it } from "vitest";
import { HybridAdapter, InMemoryAdapter } from "../src/index.js";
import { expectSamePosition, randomFills } from "../src/testing/index.js";
import { sheetsAdapter, startEmulator } from "./sheets-helpers.js";

// The in-memory Hybrid pipeline delivers in passes split into lanes (hybrid/lanes.ts): one symbol's writes in
// order, lanes at once. These tests pin what that promises.
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c().catch(() => undefined);
});

/** A memory store whose writes of one symbol fail (as unreachable) while `failing` holds it. */
class SymbolOutage extends InMemoryAdapter {
  failing = new Set<string>();
  #check(symbol: string): void {
    if (this.failing.has(symbol))
      throw new DataSourceUnavailableError(`${symbol} writes are failing`, { source: this.name });
  }
  override async updatePosition(...a: Parameters<InMemoryAdapter["updatePosition"]>) {
    this.#check(a[0]);
    return super.updatePosition(...a);
  }
  override async putPosition(...a: Parameters<InMemoryAdapter["putPosition"]>) {
    this.#check(a[0].symbol);
    return super.putPosition(...a);
  }
  override async appendLedger(...a: Parameters<InMemoryAdapter["appendLedger"]>) {
    this.#check(a[0].symbol);
    return super.appendLedger(...a);
  }
}

describe("HybridAdapter secondary lanes (in-memory pipeline)", () => {
  it("a symbol whose secondary writes fail holds only its own lane; the others land; it catches up with the newest position", async () => {
    const primary = new InMemoryAdapter();
    const secondary = new SymbolOutage();
    const h = new HybridAdapter(primary, secondary, { retry: { baseDelayMs: 5, maxDelayMs: 20 } });
    closers.push(() => h.close());
    secondary.failing.add("BAD");
    const bad = randomFills("BAD", 40, 7);
    const good = randomFills("GOOD", 40, 8);
    for (let i = 0; i < 40; i++) {
      await h.applyFill(bad[i] as Fill);
      await h.applyFill(good[i] as Fill);
    }
    // GOOD is delivered while BAD keeps failing: its lane does not wait behind BAD's.
    const deadline = Date.now() + 5000;
    while (h.backlog > 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(h.backlog).toBe(40);
    expectSamePosition(
      (await secondary.fetchPosition("GOOD"))!,
      (await primary.fetchPosition("GOOD"))!,
      "GOOD",
    );
    expect(await secondary.fetchPosition("BAD")).toBeNull();
    expect((await h.healthCheck()).details?.degraded).toBe(true);

    secondary.failing.clear();
    await h.drain(5000);
    expectSamePosition((await secondary.fetchPosition("BAD"))!, (await primary.fetchPosition("BAD"))!, "BAD");
    const ledger = await secondary.fetchLedger({ symbol: "BAD", limit: MAX_LEDGER_LIMIT });
    expect(ledger.map((e) => e.fillId).sort()).toEqual(bad.map((f) => f.fillId).sort());
    expect((await h.verifyConsistency()).consistent).toBe(true);
    expect(h.needsRepair).toBe(false);
  });

  it("a backlog of 300 fills over 6 symbols reaches a spreadsheet in a handful of requests, each fill once", async () => {
    const emu = await startEmulator();
    closers.push(() => emu.close());
    const sheets = sheetsAdapter(emu);
    const primary = new InMemoryAdapter();
    const h = new HybridAdapter(primary, sheets, { retry: { baseDelayMs: 5, maxDelayMs: 20 } });
    closers.push(() => h.close());
    await sheets.fetchPositions(); // tabs exist
    emu.injectFailures({ status: 503, count: Number.POSITIVE_INFINITY, methods: ["values.append"] });
    const symbols = ["A", "B", "C", "D", "E", "F"];
    const plans = symbols.map((s, k) => randomFills(s, 50, 40 + k));
    for (let i = 0; i < 50; i++) for (const p of plans) await h.applyFill(p[i] as Fill);
    await new Promise((r) => setTimeout(r, 50)); // the head pass fails and backs off
    const before = {
      appends: emu.countRequests("values.append"),
      updates: emu.countRequests("values.batchUpdate"),
    };
    emu.clearFailures();
    await h.drain(10_000);
    const appends = emu.countRequests("values.append") - before.appends;
    const updates = emu.countRequests("values.batchUpdate") - before.updates;
    // A pass or two: the ledger rows in a few appends and the six newest positions in a batchUpdate or two
    // (measured: 4 appends counting one 503 that was in flight when the failures were cleared, 1 batchUpdate)
    // instead of 300 appends and 300 position writes.
    expect(appends).toBeLessThanOrEqual(6);
    expect(updates).toBeLessThanOrEqual(3);
    const rows = emu.getSheetValues(sheets.spreadsheetId, "ledger").slice(1);
    expect(rows).toHaveLength(300);
    expect((await h.verifyConsistency()).consistent).toBe(true);
  });
});
