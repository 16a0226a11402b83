import { ManualClock, ohlcv, tick } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { InMemoryAdapter } from "../src/index.js";

// What the memory store hands out is deeply immutable, so no caller can change what the store holds.

const T = Date.parse("2024-05-01T09:30:00.000Z");

/** Tries `change`; the attempt must throw (strict mode), and the store must read back unchanged. */
function attempt(change: () => void): void {
  expect(change).toThrow(TypeError);
}

describe("InMemoryAdapter hands out values that cannot corrupt its store", () => {
  it("a fetched position's Date and Decimals cannot be changed", async () => {
    const store = new InMemoryAdapter({ clock: new ManualClock(T) });
    await store.updatePosition("AAPL", "10", "150.25");
    const p = (await store.fetchPosition("AAPL"))!;
    attempt(() => p.updatedAt!.setTime(0));
    attempt(() => p.updatedAt!.setUTCFullYear(1999));
    attempt(() => {
      (p.qty as unknown as { s: number }).s = -1;
    });
    attempt(() => {
      (p.avgPrice as unknown as { d: number[] }).d[0] = 1;
    });
    attempt(() => {
      (p as unknown as { qty: unknown }).qty = 0;
    });
    const again = (await store.fetchPosition("AAPL"))!;
    expect(again.updatedAt!.getTime()).toBe(T);
    expect(again.qty.toFixed()).toBe("10");
    expect(again.avgPrice.toFixed()).toBe("150.25");
    const all = await store.fetchPositions();
    all.pop();
    expect(await store.fetchPositions()).toHaveLength(1);
  });

  it("fetched ledger entries, ticks and bars cannot be changed", async () => {
    const store = new InMemoryAdapter();
    await store.appendLedger({
      timestamp: new Date(T),
      symbol: "AAPL",
      side: "BUY",
      qty: 1,
      price: 2,
      amount: 2,
    } as never);
    await store.appendTicks([tick({ time: T, symbol: "AAPL", price: "1.5", volume: 1 })]);
    await store.appendOhlcv(
      [ohlcv({ time: T, symbol: "AAPL", open: 1, high: 2, low: 1, close: 2, volume: 3 })],
      "1m",
    );
    const [entry] = await store.fetchLedger();
    const [t] = await store.fetchTickData("AAPL", new Date(T), new Date(T + 1));
    const [bar] = await store.fetchOhlcv("AAPL", new Date(T), new Date(T + 60_000), "1m");
    attempt(() => entry!.timestamp.setTime(0));
    attempt(() => t!.time.setMinutes(0));
    attempt(() => bar!.time.setUTCHours(0));
    attempt(() => {
      (t!.price as unknown as { e: number }).e = 9;
    });
    expect((await store.fetchLedger())[0]!.timestamp.getTime()).toBe(T);
    const [t2] = await store.fetchTickData("AAPL", new Date(T), new Date(T + 1));
    expect(t2!.time.getTime()).toBe(T);
    expect(t2!.price.toFixed()).toBe("1.5");
    expect((await store.fetchOhlcv("AAPL", new Date(T), new Date(T + 60_000), "1m"))[0]!.time.getTime()).toBe(
      T,
    );
  });

  it("a caller's own Date and Decimal, changed after the write, do not reach the store", async () => {
    const store = new InMemoryAdapter();
    const when = new Date(T);
    await store.appendTicks([{ time: when, symbol: "AAPL", price: "2", volume: 1 } as never]);
    when.setTime(0);
    const [t] = await store.fetchTickData("AAPL", new Date(T), new Date(T + 1));
    expect(t?.time.getTime()).toBe(T);
  });
});
