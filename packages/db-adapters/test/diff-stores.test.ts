import { ledgerEntry, ohlcv, tick } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";
import { diffStores, InMemoryAdapter } from "../src/index.js";

const T = Date.UTC(2024, 0, 2);

describe("diffStores", () => {
  it("is the one store comparison exported (compareStores is gone)", () => {
    expect(typeof api.diffStores).toBe("function");
    expect(api).not.toHaveProperty("compareStores");
  });

  it("compares positions and ledger always, bars and ticks of the symbols in scope, both directions", async () => {
    const a = new InMemoryAdapter();
    const b = new InMemoryAdapter();
    const e = (orderId: string) =>
      ledgerEntry({ timestamp: T, symbol: "AAPL", side: "BUY", qty: 1, price: 1, amount: 1, orderId });
    await a.appendLedger(e("x"));
    await b.appendLedger(e("y"));
    await a.updatePosition("AAPL", 1, 1);
    await b.updatePosition("AAPL", 1, 1);
    const bar = ohlcv({ time: T, symbol: "ES", open: 1, high: 2, low: 1, close: 2, volume: 1 });
    await a.appendOhlcv([bar], "1m");
    const t = (price: number) => tick({ time: T, symbol: "ES", price, volume: 1 });
    await a.appendTicks([t(1), t(1)]);
    await b.appendTicks([t(1), t(2)]);

    const narrow = await diffStores(a, b);
    expect(narrow.consistent).toBe(false);
    expect(narrow.positions).toEqual([]);
    expect(narrow.ledger.missingInSecondary.map((x) => x.orderId)).toEqual(["x"]);
    expect(narrow.ledger.extraInSecondary.map((x) => x.orderId)).toEqual(["y"]);
    expect(narrow.bars).toEqual([]);
    expect(narrow.ticks).toEqual({ missingInSecondary: 0, extraInSecondary: 0 });

    const seen: string[] = [];
    const wide = await diffStores(a, b, {
      symbols: ["ES"],
      intervals: ["1m", "1h"],
      onSymbol: (done, total, symbol) => seen.push(`${done}/${total} ${symbol}`),
    });
    expect(wide.bars).toEqual(["ES 1m", "ES 1h"]);
    expect(wide.ticks).toEqual({ missingInSecondary: 1, extraInSecondary: 1 });
    expect(seen).toEqual(["1/1 ES"]);
    // A window that holds none of it compares equal.
    const empty = await diffStores(a, b, {
      symbols: ["ES"],
      start: new Date(T + 60_000),
      end: new Date(T + 120_000),
    });
    expect(empty.consistent).toBe(true);
  });
});
