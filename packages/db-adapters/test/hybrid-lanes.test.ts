import { DataSourceUnavailableError, type Fill, fill, MAX_LEDGER_LIMIT } from "@qts/contracts";
import { afterEach, describe, expect, it } from "vitest";
import { HybridAdapter, InMemoryAdapter, TimescaleAdapter } from "../src/index.js";
import { expectSamePosition, randomFills } from "../src/testing/index.js";
import { sheetsAdapter, startEmulator } from "./sheets-helpers.js";
import { describePg, migratedAdapter, pgUrlOrNull } from "./timescale-helpers.js";

const url = await pgUrlOrNull();

// The in-memory Hybrid pipeline delivers in passes split into lanes (hybrid/lanes.ts): one symbol's writes in
// order, lanes at once. These tests pin what that promises.
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c().catch(() => undefined);
});

/** A memory store whose writes of one symbol fail (as unreachable) while `failing` holds it. */
class SymbolOutage extends InMemoryAdapter {
  failing = new Set<string>();
  /** Writes refused so far. */
  refused = 0;
  #check(symbol: string): void {
    if (!this.failing.has(symbol)) return;
    this.refused++;
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

  it("a lane that keeps failing backs off by its own attempts while other lanes keep landing", async () => {
    const primary = new InMemoryAdapter();
    const secondary = new SymbolOutage();
    const h = new HybridAdapter(primary, secondary, { retry: { baseDelayMs: 20, maxDelayMs: 5000 } });
    closers.push(() => h.close());
    await stuckLaneBesideALiveOne(h, secondary);
  });

  it("a fill that realized P&L and an updatePosition after it in one pass: the secondary ends with the primary's realizedPnl and version", async () => {
    const primary = new InMemoryAdapter();
    const secondary = new SymbolOutage();
    const h = new HybridAdapter(primary, secondary, { retry: { baseDelayMs: 5, maxDelayMs: 20 } });
    closers.push(() => h.close());
    secondary.failing.add("PNL");
    const at = (i: number) => new Date(Date.UTC(2024, 0, 2) + i);
    await h.applyFill(
      fill({ fillId: "p1", symbol: "PNL", side: "BUY", qty: "10", price: "10", timestamp: at(1) }),
    );
    await h.applyFill(
      fill({ fillId: "p2", symbol: "PNL", side: "SELL", qty: "4", price: "12.5", timestamp: at(2) }),
    );
    await h.updatePosition("PNL", "6", "10.25"); // keeps realizedPnl, bumps the version
    secondary.failing.clear();
    await h.drain(5000);
    const p = (await primary.fetchPosition("PNL"))!;
    expect(p.realizedPnl.toFixed()).toBe("10");
    expectSamePosition((await secondary.fetchPosition("PNL"))!, p, "PNL");
  });

  it("under random failures before and after applying, the secondary's position version never goes back", async () => {
    const primary = new InMemoryAdapter();
    const secondary = new FlakyRecording(0.25, 0.15, 99);
    const h = new HybridAdapter(primary, secondary, { retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    closers.push(() => h.close());
    const fills = randomFills("FLAKY", 200, 5);
    for (const [i, f] of fills.entries()) {
      await h.applyFill(f);
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 2)); // let passes of various sizes form
    }
    await h.drain(20_000);
    expect(secondary.versions.length).toBeGreaterThan(1);
    for (let i = 1; i < secondary.versions.length; i++) {
      expect(secondary.versions[i], `write ${i}`).toBeGreaterThanOrEqual(secondary.versions[i - 1] as number);
    }
    expectSamePosition(
      (await secondary.fetchPosition("FLAKY"))!,
      (await primary.fetchPosition("FLAKY"))!,
      "FLAKY",
    );
    const ledger = await secondary.fetchLedger({ symbol: "FLAKY", limit: MAX_LEDGER_LIMIT });
    expect(ledger.map((e) => e.fillId).sort()).toEqual(fills.map((f) => f.fillId).sort());
  });
});

describePg(url, "HybridAdapter outbox relay lanes (Timescale primary)", () => {
  it("a lane that keeps failing backs off by its own attempts while the other lanes' rows are delivered", async () => {
    const { adapter, drop } = await migratedAdapter(url!, "relay_lanes", {
      pool: { minConnections: 0, maxConnections: 4 },
    });
    const secondary = new SymbolOutage();
    const h = new HybridAdapter(adapter, secondary, { retry: { baseDelayMs: 20, maxDelayMs: 5000 } });
    closers.push(() => h.close(), drop); // in this order: the schema goes after the relay stopped
    expect(h.durableBacklog).toBe(true);
    await stuckLaneBesideALiveOne(h, secondary);
    expect((await adapter.outboxStats()).depth).toBe(0);
  });

  it("close() with a lane waiting out a long retry stops the relay at once (the rows stay in the outbox)", async () => {
    const { adapter, schema, drop } = await migratedAdapter(url!, "relay_close", {
      pool: { minConnections: 0, maxConnections: 4 },
    });
    const secondary = new SymbolOutage();
    const h = new HybridAdapter(adapter, secondary, {
      retry: { baseDelayMs: 4000, maxDelayMs: 8000 },
      closeDrainTimeoutMs: 100,
    });
    closers.push(drop);
    secondary.failing.add("STUCK");
    await h.updatePosition("STUCK", "1", "1");
    const deadline = Date.now() + 3000;
    while (secondary.refused < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(secondary.refused).toBeGreaterThanOrEqual(1);
    const started = Date.now();
    await h.close();
    expect(Date.now() - started).toBeLessThan(1500);
    const again = new TimescaleAdapter({ dsn: url!, schema, pool: { minConnections: 0, maxConnections: 1 } });
    try {
      expect((await again.outboxStats()).depth).toBe(1); // safe in the primary for the next relay
    } finally {
      await again.close();
    }
  });
});

/**
 * A memory store whose writes fail at random (seeded): before applying (`before`), or after applying
 * (`after`: an ambiguous failure); `versions` records the version of every position it stored.
 */
class FlakyRecording extends InMemoryAdapter {
  readonly versions: number[] = [];
  #seed: number;
  constructor(
    readonly before: number,
    readonly after: number,
    seed: number,
  ) {
    super();
    this.#seed = seed;
  }
  #roll(): number {
    this.#seed = (this.#seed * 1103515245 + 12345) % 2147483648;
    return this.#seed / 2147483648;
  }
  async #flaky<T>(apply: () => Promise<T>): Promise<T> {
    const r = this.#roll();
    if (r < this.before) throw new DataSourceUnavailableError("down before applying", { source: "flaky" });
    const result = await apply();
    if (r < this.before + this.after)
      throw new DataSourceUnavailableError("lost the reply", { source: "flaky" });
    return result;
  }
  override async putPosition(...a: Parameters<InMemoryAdapter["putPosition"]>) {
    return this.#flaky(async () => {
      const done = await super.putPosition(...a);
      this.versions.push(a[0].version);
      return done;
    });
  }
  override async appendLedger(...a: Parameters<InMemoryAdapter["appendLedger"]>) {
    return this.#flaky(() => super.appendLedger(...a));
  }
}

/**
 * STUCK's writes fail for 1.5 s while LIVE is written every 10 ms: STUCK's lane is tried a few times (its own
 * backoff), LIVE stays current, and once STUCK's writes are accepted a drain lands it.
 */
async function stuckLaneBesideALiveOne(h: HybridAdapter, secondary: SymbolOutage): Promise<void> {
  secondary.failing.add("STUCK");
  await h.updatePosition("STUCK", "1", "1");
  const started = Date.now();
  let i = 0;
  while (Date.now() - started < 1500) {
    await h.updatePosition("LIVE", String(++i), "1");
    await new Promise((r) => setTimeout(r, 10));
  }
  // Full jitter below 20, 40, 80, ... 1280 ms: at most ~8 attempts in 1.5 s, not one per pass of LIVE.
  expect(secondary.refused).toBeLessThanOrEqual(10);
  await new Promise((r) => setTimeout(r, 300));
  expect((await secondary.fetchPosition("LIVE"))?.qty.toFixed()).toBe(String(i));
  expect(h.backlog).toBeGreaterThanOrEqual(1);
  secondary.failing.clear();
  await h.drain(5000); // a drain cuts the backoff short
  expect((await secondary.fetchPosition("STUCK"))?.qty.toFixed()).toBe("1");
}
