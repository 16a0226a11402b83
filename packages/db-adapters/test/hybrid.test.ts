import {
  DataSourceError,
  DataSourceUnavailableError,
  Decimal,
  type EventSink,
  EventType,
  ledgerEntry,
  type QtsEvent,
  tick,
  ValidationError,
} from "@qts/contracts";
import type { SheetsEmulator } from "@qts/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HybridAdapter, InMemoryAdapter } from "../src/index.js";
import { describeDataSourceConformance, RefusingAdapter, SwitchableAdapter } from "../src/testing/index.js";
import { sheetsAdapter, startEmulator } from "./sheets-helpers.js";

describeDataSourceConformance(
  "HybridAdapter(memory, memory)",
  () => new HybridAdapter(new InMemoryAdapter({ name: "p" }), new InMemoryAdapter({ name: "s" })),
);

let emu: SheetsEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu?.close();
});

// The spreadsheet as primary (the first migration stage): exercises putPosition through the hybrid.
describeDataSourceConformance(
  "HybridAdapter(Sheets emulator, memory)",
  () => new HybridAdapter(sheetsAdapter(emu), new InMemoryAdapter({ name: "s" })),
  { scale: 0.05 },
);

const T = Date.UTC(2024, 0, 2, 9, 30);
const entry = (i: number, symbol = "AAPL") =>
  ledgerEntry({
    timestamp: T + i * 1000,
    symbol,
    side: i % 2 === 0 ? "BUY" : "SELL",
    qty: "1.5",
    price: `${100 + (i % 7)}.25`,
    amount: "150.375",
    orderId: `o-${i}`,
  });

const open: HybridAdapter[] = [];
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((h) => h.close()));
});

function hybrid(options: ConstructorParameters<typeof HybridAdapter>[2] = {}) {
  const primary = new SwitchableAdapter(new InMemoryAdapter({ name: "primary" }));
  const secondary = new SwitchableAdapter(new InMemoryAdapter({ name: "secondary" }));
  const h = new HybridAdapter(primary, secondary, {
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
    closeDrainTimeoutMs: 200,
    ...options,
  });
  open.push(h);
  return { h, primary, secondary };
}

describe("HybridAdapter faults", () => {
  it("secondary down during 1,000 writes, then back: drain() leaves no difference", async () => {
    const events: QtsEvent[] = [];
    const sink: EventSink = { publish: (e) => events.push(e) };
    const { h, secondary } = hybrid({ eventSink: sink });
    secondary.mode = "down";
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 1000; i++) {
      if (i % 4 === 0) writes.push(h.updatePosition(`S${i % 37}`, i, `${i}.5`));
      else if (i % 4 === 3)
        writes.push(h.appendTicks([tick({ time: T + i, symbol: "AAPL", price: i, volume: 1 })]));
      else writes.push(h.appendLedger(entry(i, `S${i % 11}`)));
    }
    await Promise.all(writes);
    const during = await h.healthCheck();
    expect(during.healthy).toBe(true);
    expect(during.details?.degraded).toBe(true);
    expect(during.details?.backlog).toBe(1000);
    expect(during.error).toMatch(/degraded/);
    expect(events.some((e) => e.type === EventType.DATA_SOURCE_DEGRADED && e.payload.degraded === true)).toBe(
      true,
    );
    await expect(h.verifyConsistency()).rejects.toBeInstanceOf(DataSourceUnavailableError);

    secondary.mode = "up";
    await h.drain();
    const report = await h.verifyConsistency();
    expect(report.positions).toEqual([]);
    expect(report.ledger.missingInSecondary).toEqual([]);
    expect(report.ledger.extraInSecondary).toEqual([]);
    expect(report.consistent).toBe(true);
    expect(report.backlog).toBe(0);
    expect(await secondary.inner.fetchTickData("AAPL", new Date(T), new Date(T + 1000))).toHaveLength(250);
    expect(await secondary.inner.fetchLedger({ limit: 10000 })).toHaveLength(500);
    const after = await h.healthCheck();
    expect(after.details?.degraded).toBe(false);
    expect(after.error).toBe("");
    expect(events.at(-1)?.payload.degraded).toBe(false);
  });

  it("primary down: reads are served by the secondary, writes reject", async () => {
    const { h, primary, secondary } = hybrid();
    await h.updatePosition("AAPL", 10, 100);
    await h.appendLedger(entry(1));
    await h.drain();
    primary.mode = "down";
    const before = secondary.calls;
    expect((await h.fetchPosition("AAPL"))?.qty.eq(10)).toBe(true);
    expect(await h.fetchPositions()).toHaveLength(1);
    expect(await h.fetchLedger()).toHaveLength(1);
    expect(secondary.calls).toBeGreaterThan(before);
    await expect(h.updatePosition("AAPL", 11, 100)).rejects.toBeInstanceOf(DataSourceUnavailableError);
    const health = await h.healthCheck();
    expect(health.healthy).toBe(false);
    expect(health.details?.fallbackReads).toBe(3);
    secondary.mode = "down";
    await expect(h.fetchPositions()).rejects.toThrow(/primary is down/);
  });

  it("does not fall back on a ValidationError", async () => {
    const { h, secondary } = hybrid();
    const before = secondary.calls;
    await expect(h.fetchPosition("   ")).rejects.toBeInstanceOf(ValidationError);
    await expect(h.fetchOhlcv("AAPL", new Date(T + 1), new Date(T))).rejects.toBeInstanceOf(ValidationError);
    expect(secondary.calls).toBe(before);
  });

  it("replays queued tick writes in merged batches", async () => {
    const { h, secondary } = hybrid();
    secondary.mode = "down";
    for (let i = 0; i < 300; i++)
      await h.appendTicks([tick({ time: T + i, symbol: "AAPL", price: 1, volume: i })]);
    await h.updatePosition("AAPL", 1, 1);
    for (let i = 300; i < 310; i++)
      await h.appendTicks([tick({ time: T + i, symbol: "AAPL", price: 1, volume: i })]);
    secondary.mode = "up";
    const before = secondary.calls;
    await h.drain();
    // 300 ticks in one replay, the position, then 10 ticks: a handful of calls instead of 311 writes.
    expect(secondary.calls - before).toBeLessThan(15);
    expect(await secondary.inner.fetchTickData("AAPL", new Date(T), new Date(T + 1000))).toHaveLength(310);
    expect((await h.verifyConsistency()).consistent).toBe(true);
  });

  it("an ambiguous secondary failure (applied, then failed) is not applied twice", async () => {
    const { h, secondary } = hybrid();
    secondary.mode = "apply-then-fail";
    await h.appendLedger(entry(1));
    await h.appendLedger(entry(1)); // a genuine duplicate: kept twice
    await h.appendTicks([tick({ time: T, symbol: "AAPL", price: 1, volume: 1 })]);
    secondary.mode = "up";
    await h.drain();
    expect(await secondary.inner.fetchLedger()).toHaveLength(2);
    expect(await secondary.inner.fetchTickData("AAPL", new Date(T), new Date(T + 1))).toHaveLength(1);
    expect((await h.verifyConsistency()).consistent).toBe(true);
  });

  it("overflowing the backlog drops writes, reports needsRepair, and repair() restores the secondary", async () => {
    const events: QtsEvent[] = [];
    const { h, secondary } = hybrid({ maxBacklog: 10, eventSink: { publish: (e) => events.push(e) } });
    secondary.mode = "down";
    for (let i = 0; i < 15; i++) await h.appendLedger(entry(i));
    await h.updatePosition("MSFT", 3, 300);
    expect(h.backlog).toBe(10);
    expect(h.needsRepair).toBe(true);
    const health = await h.healthCheck();
    expect(health.details).toMatchObject({ droppedWrites: 6, needsRepair: true, backlog: 10 });
    expect(events.map((e) => e.payload.reason)).toContain("overflow");
    expect(events.every((e) => e.type === EventType.DATA_SOURCE_DEGRADED && e.priority === "P1_HIGH")).toBe(
      true,
    );
    secondary.mode = "up";
    await h.drain();
    const diff = await h.verifyConsistency();
    expect(diff.ledger.missingInSecondary).toHaveLength(5);
    expect(diff.positions.map((d) => d.symbol)).toEqual(["MSFT"]);
    const report = await h.repair();
    expect(report).toMatchObject({ positionsWritten: 1, ledgerAppended: 5 });
    expect(report.unrepairable.ledger).toEqual([]);
    expect(h.needsRepair).toBe(false);
    expect((await h.verifyConsistency()).consistent).toBe(true);
    expect(events.at(-1)?.payload).toMatchObject({ degraded: false, reason: "recovered" });
  });

  it("verifyConsistency matches ledger entries by content (not ids) and reports what repair cannot undo", async () => {
    const { h, secondary } = hybrid();
    await secondary.inner.appendLedger(entry(99)); // only in the secondary: secondary ids now differ by one
    for (let i = 0; i < 3; i++) await h.appendLedger(entry(i));
    await h.updatePosition("AAPL", 1, 1);
    await h.drain();
    await secondary.inner.updatePosition("AAPL", 2, 1);
    await secondary.inner.updatePosition("ZZZ", 1, 1);
    const diff = await h.verifyConsistency();
    expect(diff.consistent).toBe(false);
    expect(diff.ledger.missingInSecondary).toEqual([]);
    expect(diff.ledger.extraInSecondary.map((e) => e.orderId)).toEqual(["o-99"]);
    expect(
      diff.positions.map((d) => [d.symbol, d.primary?.qty.toString() ?? null, d.secondary?.qty.toString()]),
    ).toEqual([
      ["AAPL", "1", "2"],
      ["ZZZ", null, "1"],
    ]);
    const report = await h.repair();
    expect(report.positionsWritten).toBe(1);
    expect(report.unrepairable.positions).toEqual(["ZZZ"]);
    expect(report.unrepairable.ledger.map((e) => e.orderId)).toEqual(["o-99"]);
    expect((await secondary.inner.fetchPosition("AAPL"))?.qty.eq(new Decimal(1))).toBe(true);
  });

  it("close() applies the backlog before closing: no acknowledged write is left behind", async () => {
    const { h, secondary } = hybrid({ closeDrainTimeoutMs: 5_000 });
    secondary.close = async () => {}; // keep the store open to look at it afterwards
    secondary.mode = "down";
    const writes = Array.from({ length: 26 }, (_, i) => h.appendLedger(entry(i)));
    await Promise.all(writes);
    expect(h.backlog).toBeGreaterThan(0);
    setTimeout(() => {
      secondary.mode = "up";
    }, 100);
    await h.close();
    expect(await secondary.inner.fetchLedger({ limit: 100 })).toHaveLength(26);
  });

  it("close() also waits for writes still in flight when it is called", async () => {
    const { h, secondary } = hybrid();
    secondary.close = async () => {};
    const writes = Array.from({ length: 10 }, (_, i) => h.appendLedger(entry(i)));
    await h.close();
    await Promise.all(writes);
    expect(await secondary.inner.fetchLedger({ limit: 100 })).toHaveLength(10);
  });

  it("drain() rejects after its deadline while the secondary stays down; close() says what it left and stops retrying", async () => {
    const { h, secondary } = hybrid();
    secondary.mode = "down";
    await h.appendLedger(entry(1));
    await expect(h.drain(150)).rejects.toBeInstanceOf(DataSourceUnavailableError);
    expect(h.backlog).toBe(1);
    await expect(h.close()).rejects.toThrow(/closed with 1 secondary write\(s\) not applied/);
    await expect(h.close()).resolves.toBeUndefined(); // idempotent
    const calls = secondary.calls;
    await new Promise((r) => setTimeout(r, 150));
    expect(secondary.calls).toBe(calls);
    await expect(h.fetchPositions()).rejects.toBeInstanceOf(DataSourceUnavailableError);
  });

  it("a write the primary rejects (unavailable) never reaches the secondary", async () => {
    const { h, primary, secondary } = hybrid();
    await h.updatePosition("AAPL", 5, 100);
    await h.drain();
    primary.mode = "down";
    await expect(h.updatePosition("AAPL", 6, 100)).rejects.toBeInstanceOf(DataSourceUnavailableError);
    await expect(h.appendLedger(entry(1))).rejects.toBeInstanceOf(DataSourceUnavailableError);
    expect(h.backlog).toBe(0);
    await h.drain(100);
    expect((await secondary.inner.fetchPosition("AAPL"))?.qty.toString()).toBe("5");
    expect(await secondary.inner.fetchLedger()).toHaveLength(0);
    primary.mode = "up";
    expect((await h.verifyConsistency()).consistent).toBe(true);
  });

  it("a write the primary refuses as invalid (DataSourceError) never reaches the secondary", async () => {
    const secondary = new InMemoryAdapter({ name: "secondary" });
    const primary = new RefusingAdapter(new InMemoryAdapter({ name: "primary" }));
    const h = new HybridAdapter(primary, secondary, { closeDrainTimeoutMs: 200 });
    open.push(h);
    await h.appendLedger(entry(1));
    await h.updatePosition("AAPL", 1, 100);
    const bad = ledgerEntry({ ...entry(2), orderId: "refuse-me" });
    await expect(h.appendLedger(bad)).rejects.toBeInstanceOf(DataSourceError);
    await expect(h.appendLedger(bad)).rejects.not.toBeInstanceOf(DataSourceUnavailableError);
    await expect(h.updatePosition("REFUSE", 1, 1)).rejects.toBeInstanceOf(DataSourceError);
    await expect(
      h.appendTicks([tick({ time: T, symbol: "REFUSE", price: 1, volume: 1 })]),
    ).rejects.toBeInstanceOf(DataSourceError);
    await h.drain();
    expect((await secondary.fetchLedger()).map((e) => e.orderId)).toEqual(["o-1"]);
    expect((await secondary.fetchPositions()).map((p) => p.symbol)).toEqual(["AAPL"]);
    expect(await secondary.fetchTickData("REFUSE", new Date(T), new Date(T + 1))).toEqual([]);
    expect(h.needsRepair).toBe(false);
    expect((await h.verifyConsistency()).consistent).toBe(true);
    const repaired = await h.repair();
    expect(repaired).toMatchObject({ positionsWritten: 0, ledgerAppended: 0 });
    expect(repaired.unrepairable).toEqual({ positions: [], ledger: [] });
  });

  it("hands the secondary the writes in the order the primary acknowledged them, after the primary", async () => {
    const { h, primary, secondary } = hybrid();
    const order: string[] = [];
    const innerUpdate = primary.inner.updatePosition.bind(primary.inner);
    primary.inner.updatePosition = async (...a) => {
      order.push(`primary ${String(a[1])}`);
      return innerUpdate(...a);
    };
    const secondaryUpdate = secondary.inner.updatePosition.bind(secondary.inner);
    secondary.inner.updatePosition = async (...a) => {
      order.push(`secondary ${String(a[1])}`);
      return secondaryUpdate(...a);
    };
    for (let q = 1; q <= 3; q++) await h.updatePosition("AAPL", q, 1);
    await h.drain();
    expect(order.indexOf("primary 1")).toBeLessThan(order.indexOf("secondary 1"));
    expect(order.filter((o) => o.startsWith("secondary"))).toEqual([
      "secondary 1",
      "secondary 2",
      "secondary 3",
    ]);
    expect((await secondary.inner.fetchPosition("AAPL"))?.qty.toString()).toBe("3");
  });

  it("a write the primary rejects is not retried on the secondary", async () => {
    const { h, primary, secondary } = hybrid();
    secondary.mode = "down";
    primary.mode = "down";
    await expect(h.appendLedger(entry(1))).rejects.toBeInstanceOf(DataSourceUnavailableError);
    primary.mode = "up";
    secondary.mode = "up";
    await h.drain();
    expect(await secondary.inner.fetchLedger()).toHaveLength(0);
  });
});
